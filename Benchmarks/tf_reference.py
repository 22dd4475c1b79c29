"""TensorFlow/Keras side of ConvScope's benchmarks (the denominator of ConvScope/TensorFlow ratios).

Each subcommand prints exactly ONE JSON object on stdout; everything else (TF/Keras logs,
progress) goes to stderr. See Benchmarks/README.md for what each one measures and how the
ConvScope side must do the same work.

    python Benchmarks/tf_reference.py forward --model vgg16 --batch 1 --threads 2 --repeats 5
    python Benchmarks/tf_reference.py deconv --model vgg16 --threads 2 --repeats 5
    python Benchmarks/tf_reference.py saliency --model resnet50 --threads 2 --repeats 5
    python Benchmarks/tf_reference.py maxstep --model vgg16 --steps 20 --threads 2 --repeats 5
    python Benchmarks/tf_reference.py train --model conv --batch 128 --batches 10 --threads 2 --repeats 3
    python Benchmarks/tf_reference.py train --model resnet50 --batch 32 --images 30 --threads 2 --repeats 3
    python Benchmarks/tf_reference.py predict-process --image cat.jpg --threads 2 --repeats 3
    python Benchmarks/tf_reference.py make-h5 --model vgg16 --out /tmp/vgg16.h5
    python Benchmarks/tf_reference.py inspect-h5 --file /tmp/vgg16.h5 [--weights] --repeats 5
    python Benchmarks/tf_reference.py inspect-h5-process --file /tmp/vgg16.h5 --repeats 5
    python Benchmarks/tf_reference.py make-shards --out /tmp/shards --max-shard-bytes 9437184
    python Benchmarks/tf_reference.py inspect-shards --file /tmp/shards/vgg16.weights.json [--weights] --repeats 5
    python Benchmarks/tf_reference.py make-savedmodel --model vgg16 --out /tmp/vgg16.savedmodel
    python Benchmarks/tf_reference.py savedmodel-process --dir /tmp/vgg16.savedmodel --image cat.jpg --repeats 3
    python Benchmarks/tf_reference.py list-variables-process --dir /tmp/vgg16.savedmodel --repeats 3

Run with the pinned venv (scripts/setup.sh --python) and TF_CPP_MIN_LOG_LEVEL=3.
Never sets or changes OPENBLAS_* variables (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are machine facts).
"""
import time

T_SCRIPT_START = time.perf_counter()  # first statement: predict-process measures from here

import argparse
import json
import os
import platform
import subprocess
import sys
from importlib import metadata

SEED = 7
MODELS_224 = ("vgg16", "resnet50")
MODELS_32 = ("conv", "vonc")
VGG16_CONVS = [f"block{b}_conv{i}" for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for i in range(1, n + 1)]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def peak_rss_mb():
    """VmHWM of this process in MB (the same source as ConvScope's peakRSSMegabytes)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def version(pkg):
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def loadavg():
    try:
        return [float(v) for v in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------
# Threads and TF import. Must happen before any TF op, so TF is imported lazily, after parsing.

def set_thread_env(threads):
    """Thread-count variables read at library load (never OPENBLAS_*: see module doc)."""
    if threads:
        for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
            os.environ[k] = str(threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def import_tf(threads):
    """Imports TensorFlow, fixes intra-op = threads and inter-op = 1, then Keras; seeds everything."""
    set_thread_env(threads)
    t0 = time.perf_counter()
    import tensorflow as tf
    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    t1 = time.perf_counter()
    keras.utils.set_random_seed(SEED)
    return tf, keras, t1 - t0


def env_info(tf=None, keras=None):
    e = {
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "h5py": version("h5py"),
        "tensorflow": tf.__version__ if tf else version("tensorflow-cpu") or version("tensorflow"),
        "keras": keras.__version__ if keras else version("keras"),
        "keras_backend": keras.backend.backend() if keras else None,
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "loadavg_at_start": LOADAVG_AT_START,
        "env": {k: os.environ.get(k) for k in (
            "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
            "TF_ENABLE_ONEDNN_OPTS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")},
    }
    if tf is not None:
        e["intra_op_threads"] = tf.config.threading.get_intra_op_parallelism_threads()
        e["inter_op_threads"] = tf.config.threading.get_inter_op_parallelism_threads()
        try:
            e["onednn"] = bool(tf.sysconfig.get_build_info().get("is_mkl", False)) or \
                os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on for x86 builds)")
        except Exception:  # noqa: BLE001
            e["onednn"] = None
    return e


LOADAVG_AT_START = loadavg()


# ---------------------------------------------------------------------------------------------
# Models

def build_paper_model(keras, name, logits=False):
    """The paper's Conv / Vonc (32x32x3, 1000-way top; docs/paper-facts.md), from the one Python
    definition the fixture generator uses (Fixtures/py/models.py, as Fixtures/py/large.py builds them)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures"))
    from py import models
    if name == "conv":
        m = models.build_conv(keras, (32, 32, 64, 64, 128, 128), 1024, 1000, "conv")
        expected = 3_410_184
    elif name == "vonc":
        m = models.build_vonc(keras)
        expected = 1_791_144
    else:
        raise SystemExit(f"unknown paper model {name}")
    assert m.count_params() == expected, (name, m.count_params())
    if logits:
        m.layers[-1].activation = keras.activations.linear
    return m


def build_model(keras, name, logits=False, weights=None):
    """Random-weight (seeded) model; logits=True replaces the final softmax by a linear activation."""
    act = None if logits else "softmax"
    if name == "vgg16":
        m = keras.applications.VGG16(weights=None, classifier_activation=act)
        assert m.count_params() == 138_357_544
    elif name == "resnet50":
        m = keras.applications.ResNet50(weights=None, classifier_activation=act)
        assert m.count_params() == 25_636_712
    else:
        m = build_paper_model(keras, name, logits=logits)
    if weights:
        m.load_weights(weights)
    return m


def input_shape(name):
    return (224, 224, 3) if name in MODELS_224 else (32, 32, 3)


def caffe_input(np, name, batch, seed=SEED):
    """Random input in the caffe-preprocessed range: uniform [-128, 128), float32, NHWC."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-128, 128, size=(batch,) + input_shape(name)).astype(np.float32)


def time_calls(fn, repeats, warmups=2):
    """Calls fn() warmups times untimed (tracing happens here), then repeats times timed."""
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(max(repeats, 1)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


# ---------------------------------------------------------------------------------------------
# Subcommands

def cmd_forward(a):
    tf, keras, _ = import_tf(a.threads)
    import numpy as np
    model = build_model(keras, a.model, weights=a.weights)
    x = tf.constant(caffe_input(np, a.model, a.batch))
    f = tf.function(lambda t: model(t, training=False))
    times = time_calls(lambda: f(x).numpy(), a.repeats)
    return {"bench": "forward", "model": a.model, "batch": a.batch, "threads": a.threads,
            "median_s": median(times), "times_s": times,
            "images_per_s": a.batch / median(times), "traces": f.experimental_get_tracing_count(), "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)}


def sequence_model(keras, name, steps=100, features=64):
    """The models of `convscope bench sequence` (Sources/Benchmarking/SequenceBenchmark.swift), random weights."""
    L = keras.layers
    x = keras.Input((steps, features))
    if name == "lstm":
        y = L.LSTM(128)(x)
    else:
        y = L.Conv1D(64, 5, padding="causal", activation="relu")(x)
        y = L.MaxPooling1D(2)(y)
        y = L.Conv1D(128, 5, padding="same", activation="relu")(y)
        y = L.Dense(10)(L.GlobalAveragePooling1D()(y))
    return keras.Model(x, y)


def cmd_sequence(a):
    tf, keras, _ = import_tf(a.threads)
    import numpy as np
    keras.utils.set_random_seed(SEED)
    model = sequence_model(keras, a.model)
    x = tf.constant(np.random.default_rng(SEED).uniform(-1, 1, (a.batch, 100, 64)).astype("float32"))
    f = tf.function(lambda t: model(t, training=False))
    times = time_calls(lambda: f(x).numpy(), a.repeats)
    return {"bench": "sequence", "model": a.model, "batch": a.batch, "threads": a.threads,
            "median_s": median(times), "times_s": times, "traces": f.experimental_get_tracing_count(),
            "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)}


def cmd_deconv(a):
    if a.model != "vgg16":
        raise SystemExit("deconv: only vgg16 (the paper has no DeconvNet for ResNet50)")
    tf, keras, _ = import_tf(a.threads)
    import numpy as np

    @tf.custom_gradient
    def deconv_relu(x):
        """ReLU forward; DeconvNet backward: relu of the upstream signal (ignores the forward sign)."""
        def grad(dy):
            return tf.nn.relu(dy)
        return tf.nn.relu(x), grad

    base = build_model(keras, "vgg16", weights=a.weights)
    # Same layers and weights, ReLUs swapped for the DeconvNet rule (all 13 conv layers carry
    # activation='relu'; the pools' backward is already unpooling through the switches, and the
    # convolutions' input gradient is the transposed convolution with the same filters).
    for name in VGG16_CONVS:
        layer = base.get_layer(name)
        assert layer.get_config()["activation"] == "relu"
        layer.activation = deconv_relu
    # Forward stops at block5_conv3: the dense top is not computed (ConvScope's forward pass
    # likewise only runs to the deepest requested layer).
    feat = keras.Model(base.input, [base.get_layer(n).output for n in VGG16_CONVS])
    x = tf.constant(caffe_input(np, "vgg16", 1))

    def project(img):
        with tf.GradientTape(persistent=True) as tape:  # ONE forward pass for all 13 layers
            tape.watch(img)
            acts = feat(img, training=False)
        out, chans = [], []
        for act in acts:
            a_ = tf.stop_gradient(act)
            k = tf.argmax(tf.reduce_mean(a_, axis=[0, 1, 2]))      # strongest = largest mean activation
            seed = a_ * tf.one_hot(k, tf.shape(a_)[-1], dtype=a_.dtype)  # that map's activations, others 0
            out.append(tape.gradient(act, img, output_gradients=seed))
            chans.append(k)
        del tape
        return out, chans

    fn = project if a.eager else tf.function(project)
    res = {}

    def run():
        proj, chans = fn(x)
        res["proj"] = [p.numpy() for p in proj]
        res["chans"] = [int(c) for c in chans]

    times = time_calls(run, a.repeats)
    checks = {n: {"channel": c, "abs_max": float(np.abs(p).max()), "finite": bool(np.isfinite(p).all())}
              for n, c, p in zip(VGG16_CONVS, res["chans"], res["proj"])}
    return {"bench": "deconv", "model": "vgg16", "batch": 1, "threads": a.threads, "layers": len(VGG16_CONVS),
            "tape": "persistent (one forward pass, 13 tape.gradient calls)", "seed": "activation of the chosen map",
            "mode": "eager" if a.eager else "tf.function",
            "median_s": median(times), "times_s": times, "projections": checks,
            "traces": None if a.eager else fn.experimental_get_tracing_count(),
            "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)}


def cmd_saliency(a):
    tf, keras, _ = import_tf(a.threads)
    import numpy as np
    model = build_model(keras, a.model, logits=True, weights=a.weights)
    x = tf.constant(caffe_input(np, a.model, 1))

    def saliency(img):
        with tf.GradientTape() as tape:
            tape.watch(img)
            logits = model(img, training=False)
            c = tf.argmax(logits[0])           # top class from this same forward pass
            score = logits[0, c]
        return tape.gradient(score, img), c

    fn = saliency if a.eager else tf.function(saliency)
    res = {}

    def run():
        g, c = fn(x)
        res["g"], res["c"] = g.numpy(), int(c)

    times = time_calls(run, a.repeats)
    return {"bench": "saliency", "model": a.model, "batch": 1, "threads": a.threads,
            "mode": "eager" if a.eager else "tf.function", "top_class": res["c"],
            "grad_abs_max": float(np.abs(res["g"]).max()),
            "traces": None if a.eager else fn.experimental_get_tracing_count(),
            "median_s": median(times), "times_s": times, "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)}


def cmd_maxstep(a):
    tf, keras, _ = import_tf(a.threads)
    import numpy as np
    model = build_model(keras, a.model, logits=True, weights=a.weights)
    cls = a.target_class
    rng = np.random.default_rng(SEED)
    x0 = tf.constant((rng.uniform(0, 1, size=(1,) + input_shape(a.model)) + 100).astype(np.float32))  # paper start

    @tf.function
    def step(img):
        with tf.GradientTape() as tape:
            tape.watch(img)
            score = model(img, training=False)[0, cls]
        g = tape.gradient(score, img)
        g = g / (tf.sqrt(tf.reduce_mean(tf.square(g))) + 1e-5)
        return img + g, score

    def one():
        step(x0)[0].numpy()

    scores = []

    def full():
        img = x0
        scores.clear()
        for _ in range(a.steps):
            img, s = step(img)
            scores.append(float(s))
        img.numpy()

    t1 = time_calls(one, a.repeats)
    tn = time_calls(full, a.repeats, warmups=1)
    return {"bench": "maxstep", "model": a.model, "batch": 1, "threads": a.threads, "class": cls,
            "step_median_s": median(t1), "step_times_s": t1,
            "steps": a.steps, "run_median_s": median(tn), "run_times_s": tn,
            "objective_first_last": [scores[0], scores[-1]] if scores else None,
            "traces": step.experimental_get_tracing_count(),
            "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)}


def cmd_train(a):
    tf, keras, _ = import_tf(a.threads)
    import numpy as np
    rng = np.random.default_rng(SEED)
    model = build_model(keras, a.model, weights=a.weights)
    lr = a.lr if a.lr is not None else (1e-4 if a.model in MODELS_32 else 1e-3)
    # Keras 2's Adam(lr, decay=1e-6): lr_t = lr / (1 + 1e-6 t), i.e. InverseTimeDecay per step.
    sched = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=1e-6)
    model.compile(optimizer=keras.optimizers.Adam(sched), loss="categorical_crossentropy")

    def data(n):
        x = caffe_input(np, a.model, n, seed=SEED + 1)
        y = np.eye(1000, dtype=np.float32)[rng.integers(0, 1000, n)]
        return x, y

    out = {"bench": "train", "model": a.model, "batch": a.batch, "threads": a.threads, "optimizer": f"Adam({lr}, decay 1e-6)",
           "loss": "categorical_crossentropy"}
    if a.images is None:
        # Throughput: train_on_batch on `batches` distinct random batches (dropout on, as in training).
        x, y = data(a.batch * a.batches)
        xs = [x[i * a.batch:(i + 1) * a.batch] for i in range(a.batches)]
        ys = [y[i * a.batch:(i + 1) * a.batch] for i in range(a.batches)]
        for i in range(2):  # warm-up: builds and traces the train function
            model.train_on_batch(xs[i % a.batches], ys[i % a.batches])

        def epoch():
            for xb, yb in zip(xs, ys):
                model.train_on_batch(xb, yb)

        times = time_calls(epoch, a.repeats, warmups=0)
        ips = [a.batch * a.batches / t for t in times]
        out.update({"mode": "train_on_batch", "batches": a.batches, "median_s": median(times), "times_s": times,
                    "images_per_s": median(ips), "images_per_s_runs": ips})
    else:
        # One epoch of fine-tuning on `images` random images (model.fit, like the retraining experiment).
        x, y = data(a.images)
        kw = dict(batch_size=a.batch, epochs=1, verbose=0, shuffle=True, validation_split=a.validation_split)
        model.fit(x, y, **kw)  # warm-up: builds optimizer state and traces the train (and val) function
        times = time_calls(lambda: model.fit(x, y, **kw), a.repeats, warmups=0)
        out.update({"mode": "fit one epoch", "images": a.images, "validation_split": a.validation_split,
                    "median_s": median(times), "times_s": times, "images_per_s": a.images / median(times)})
    out.update({"peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)})
    return out


def predict_once(a):
    """One end-to-end process: import, build (or load) VGG16, load + preprocess the image, predict."""
    tf, keras, import_s = import_tf(a.threads)
    import numpy as np
    t0 = time.perf_counter()
    model = keras.applications.VGG16(weights=None)
    if a.weights:
        model.load_weights(a.weights)
    t1 = time.perf_counter()
    img = keras.utils.load_img(a.image, target_size=(224, 224))
    x = keras.applications.vgg16.preprocess_input(np.expand_dims(keras.utils.img_to_array(img), 0))
    t2 = time.perf_counter()
    p = model.predict(x, verbose=0)
    top = int(np.argmax(p[0]))
    t3 = time.perf_counter()
    return {"import_s": import_s, "build_s": t1 - t0, "image_s": t2 - t1, "predict_s": t3 - t2,
            "script_s": t3 - T_SCRIPT_START, "python_startup_s": python_startup_s(), "top_class": top,
            "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, keras)}


def python_startup_s():
    """Process start (kernel) to script start, from /proc (10 ms resolution)."""
    try:
        start_ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime").read().split()[0])
        hz = os.sysconf("SC_CLK_TCK")
        age = uptime - start_ticks / hz                     # seconds since the process started
        return max(age - (time.perf_counter() - T_SCRIPT_START), 0.0)
    except (OSError, ValueError, IndexError):
        return None


def cmd_predict_process(a):
    if a.once:
        return predict_once(a)
    # Parent: never imports TF; runs the whole thing as a fresh process `repeats` times (+1 warm-up
    # for the page cache), timing each child from fork to exit.
    cmd = [sys.executable, os.path.abspath(__file__), "predict-process", "--once", "--image", a.image,
           "--threads", str(a.threads)]
    if a.weights:
        cmd += ["--weights", a.weights]
    runs, walls = [], []
    for i in range(max(a.repeats, 1) + 1):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, check=True)
        wall = time.perf_counter() - t0
        if i == 0:
            continue
        runs.append(json.loads(r.stdout))
        walls.append(wall)
    phases = ["import_s", "build_s", "image_s", "predict_s", "script_s", "python_startup_s"]
    out = {"bench": "predict-process", "model": "vgg16", "image": a.image, "threads": a.threads,
           "weights": a.weights or "random (weights=None)",
           "process_median_s": median(walls), "process_times_s": walls}
    for ph in phases:
        vals = [r[ph] for r in runs if r.get(ph) is not None]
        out[ph[:-2] + "_median_s"] = median(vals) if vals else None
    out["runs"] = [{k: r[k] for k in phases + ["top_class"]} for r in runs]
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    out["env"] = runs[-1]["env"]
    return out


def cmd_make_h5(a):
    tf, keras, _ = import_tf(a.threads)
    model = build_model(keras, a.model)
    if a.weights_only:
        model.save_weights(a.out)
    else:
        model.save(a.out)
    return {"bench": "make-h5", "model": a.model, "out": a.out, "weights_only": a.weights_only,
            "bytes": os.path.getsize(a.out), "env": env_info(tf, keras)}


def cmd_make_shards(a):
    """VGG16's convolutional base (include_top=False) saved by Keras as sharded weights."""
    import json as _json
    tf, keras, _ = import_tf(a.threads)
    keras.utils.set_random_seed(1234)
    m = keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))
    os.makedirs(a.out, exist_ok=True)
    manifest = os.path.join(a.out, "vgg16.weights.json")
    m.save_weights(manifest, max_shard_size=a.max_shard_bytes / 1024 ** 3)
    shards = sorted({s for v in _json.load(open(manifest))["weight_map"].values() for s in (v if isinstance(v, list) else [v])})
    return {"bench": "make-shards", "manifest": manifest, "shards": len(shards), "params": int(m.count_params()),
            "bytes": sum(os.path.getsize(os.path.join(a.out, s)) for s in shards), "env": env_info(tf, keras)}


def cmd_inspect_shards(a):
    """h5py walking every shard a manifest names (what inspect-h5 does for one file)."""
    import json as _json
    m = _json.load(open(a.file))
    folder = os.path.dirname(os.path.abspath(a.file))
    shards = sorted({s for v in m["weight_map"].values() for s in (v if isinstance(v, list) else [v])})
    a.files = [os.path.join(folder, s) for s in shards]
    out = cmd_inspect_h5(a)
    out.update(bench="inspect-shards", shards=len(shards), bytes=sum(os.path.getsize(f) for f in a.files))
    return out


def cmd_make_savedmodel(a):
    """A tf-keras SavedModel directory (model.save("dir")) of a random-weight (seeded) model."""
    set_thread_env(a.threads)
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import tensorflow as tf
    import tf_keras
    tf_keras.utils.set_random_seed(SEED)
    model = build_model(tf_keras, a.model)
    model.save(a.out)
    return {"bench": "make-savedmodel", "model": a.model, "out": a.out, "env": env_info(tf, tf_keras)}


def savedmodel_once(a):
    """One process: import TF + tf-keras, tf_keras.models.load_model(dir), load + preprocess the image, predict."""
    set_thread_env(a.threads)
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    t0 = time.perf_counter()
    import tensorflow as tf
    if a.threads:
        tf.config.threading.set_intra_op_parallelism_threads(a.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    import numpy as np
    import tf_keras
    t1 = time.perf_counter()
    model = tf_keras.models.load_model(a.dir, compile=False)
    t2 = time.perf_counter()
    img = tf_keras.utils.load_img(a.image, target_size=(224, 224))
    x = tf_keras.applications.vgg16.preprocess_input(np.expand_dims(tf_keras.utils.img_to_array(img), 0))
    p = model.predict(x, verbose=0)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "load_s": t2 - t1, "predict_s": t3 - t2, "top_class": int(np.argmax(p[0])),
            "peak_rss_mb": peak_rss_mb(), "env": env_info(tf, tf_keras)}


def list_variables_once(a):
    """One process: import TF, tf.train.list_variables on the SavedModel's variables (or a checkpoint prefix)."""
    set_thread_env(a.threads)
    t0 = time.perf_counter()
    import tensorflow as tf
    t1 = time.perf_counter()
    prefix = os.path.join(a.dir, "variables", "variables") if os.path.isdir(a.dir) else a.dir
    v = tf.train.list_variables(prefix)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "list_s": t2 - t1, "variables": len(v), "peak_rss_mb": peak_rss_mb(), "env": env_info(tf)}


def processes(a, name, extra):
    """Runs this script with --once as fresh processes (+1 warm-up for the page cache), timed fork to exit."""
    cmd = [sys.executable, os.path.abspath(__file__), name, "--once", "--threads", str(a.threads)] + extra
    runs, walls = [], []
    for i in range(max(a.repeats, 1) + 1):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.PIPE, check=True)
        wall = time.perf_counter() - t0
        if i:
            runs.append(json.loads(r.stdout))
            walls.append(wall)
    out = {"bench": name, "process_median_s": median(walls), "process_times_s": walls}
    for ph in [k for k in runs[0] if k.endswith("_s")]:
        out[ph[:-2] + "_median_s"] = median([r[ph] for r in runs])
    out["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    out["env"] = runs[-1]["env"]
    return out


def cmd_savedmodel_process(a):
    if a.once:
        return savedmodel_once(a)
    return dict(processes(a, "savedmodel-process", ["--dir", a.dir, "--image", a.image]), dir=a.dir, image=a.image)


def cmd_list_variables_process(a):
    if a.once:
        return list_variables_once(a)
    return dict(processes(a, "list-variables-process", ["--dir", a.dir]), dir=a.dir)


def cmd_inspect_h5(a):
    import h5py
    import numpy as np

    def walk():
        st = {"groups": 0, "datasets": 0, "attrs": 0, "elements": 0}
        stats = {}
        for path in getattr(a, "files", None) or [a.file]:
            walk_file(path, st, stats)
        return st, stats

    def walk_file(path, st, stats):
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                for _k, _v in obj.attrs.items():   # read every attribute value
                    st["attrs"] += 1
                if isinstance(obj, h5py.Group):
                    st["groups"] += 1
                    return
                st["datasets"] += 1
                _ = (obj.shape, obj.dtype, obj.chunks, obj.compression)
                st["elements"] += int(obj.size)
                if a.weights and obj.dtype.kind in "fiu" and obj.size:
                    v = obj[()]
                    nan = int(np.count_nonzero(np.isnan(v))) if v.dtype.kind == "f" else 0
                    w = v[~np.isnan(v)] if nan else v
                    if w.size:  # float64 accumulation for mean/std, no float64 copy of the data
                        st_ = (float(w.min()), float(w.max()), float(w.mean(dtype=np.float64)),
                               float(w.std(dtype=np.float64)))
                    else:
                        st_ = (None, None, None, None)
                    stats[path + ":" + name] = st_ + (np.count_nonzero(v == 0) / v.size, nan)
            for _k, _v in f.attrs.items():
                st["attrs"] += 1
            st["groups"] += 1  # the root
            f.visititems(visit)

    res = {}

    def run():
        res["st"], res["stats"] = walk()

    once = getattr(a, "once", False)  # inspect-h5-process: one walk in a fresh process, nothing else
    times = time_calls(run, 1 if once else a.repeats, warmups=0 if once else 1)
    if once:
        return {"walk_s": times[0], **res["st"], "peak_rss_mb": peak_rss_mb(), "env": {}}
    out = {"bench": "inspect-h5", "file": a.file, "bytes": os.path.getsize(a.file),
           "mode": "weights (read + min/max/mean/std/zero fraction/NaN)" if a.weights else "metadata",
           **res["st"], "median_s": median(times), "times_s": times}
    if a.weights:
        s = res["stats"]
        out["stats_datasets"] = len(s)
        out["nan_total"] = sum(v[5] for v in s.values())
        if s:
            k = sorted(s)[0]
            out["example"] = {"dataset": k, "min": s[k][0], "max": s[k][1], "mean": s[k][2], "std": s[k][3],
                              "zero_fraction": s[k][4], "nan": s[k][5]}
    out["peak_rss_mb"] = peak_rss_mb()
    out["env"] = env_info()
    return out


def cmd_inspect_h5_process(a):
    """`python tf_reference.py inspect-h5-process --once` as fresh processes: interpreter start, import h5py, one walk
    of the file (or of every shard a *.weights.json names), exit; what `convscope inspect FILE` is timed against."""
    if a.once:
        a.weights = False
        if a.file.endswith(".json"):
            m = json.load(open(a.file))
            folder = os.path.dirname(os.path.abspath(a.file))
            a.files = [os.path.join(folder, s) for s in sorted({s for v in m["weight_map"].values() for s in (v if isinstance(v, list) else [v])})]
        return cmd_inspect_h5(a)
    return dict(processes(a, "inspect-h5-process", ["--file", a.file]), file=a.file)


# ---------------------------------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp, batch=1):
        sp.add_argument("--threads", type=int, default=1, help="intra-op threads (inter-op is 1); 0 = TF default")
        sp.add_argument("--repeats", type=int, default=5, help="timed runs; the median is reported")
        sp.add_argument("--batch", type=int, default=batch)
        sp.add_argument("--weights", default=None, help="optional Keras weights file (default: seeded random)")
        return sp

    s = common(sub.add_parser("forward", help="model(x, training=False) under tf.function"))
    s.add_argument("--model", choices=MODELS_224 + MODELS_32, required=True)
    s = common(sub.add_parser("deconv", help="DeconvNet projections, strongest map of all 13 VGG16 convs"))
    s.add_argument("--model", choices=["vgg16"], default="vgg16")
    s.add_argument("--eager", action="store_true", help="no tf.function")
    s = common(sub.add_parser("saliency", help="d top logit / d input"))
    s.add_argument("--model", choices=MODELS_224 + MODELS_32, default="resnet50")
    s.add_argument("--eager", action="store_true", help="no tf.function")
    s = common(sub.add_parser("maxstep", help="activation-maximization step(s) on a class logit"))
    s.add_argument("--model", choices=MODELS_224 + MODELS_32, required=True)
    s.add_argument("--steps", type=int, default=20)
    s.add_argument("--target-class", type=int, default=284)
    s = common(sub.add_parser("train", help="training throughput / one fine-tuning epoch"), batch=128)
    s.add_argument("--model", choices=MODELS_224 + MODELS_32, required=True)
    s.add_argument("--batches", type=int, default=10, help="batches per timed run (throughput mode)")
    s.add_argument("--images", type=int, default=None, help="one model.fit epoch over this many images")
    s.add_argument("--validation-split", type=float, default=0.0)
    s.add_argument("--lr", type=float, default=None, help="default 1e-4 for conv/vonc, 1e-3 for vgg16/resnet50")
    s = common(sub.add_parser("predict-process", help="end-to-end VGG16 prediction as separate processes"))
    s.add_argument("--image", required=True)
    s.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    s = common(sub.add_parser("make-h5", help="write a random-weight model .h5 (input for inspect-h5)"))
    s.add_argument("--model", choices=MODELS_224 + MODELS_32, required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--weights-only", action="store_true")
    s = common(sub.add_parser("sequence", help="LSTM / Conv1D forward on (batch, 100, 64) sequences"), batch=32)
    s.add_argument("--model", choices=["lstm", "conv1d"], required=True)
    s = common(sub.add_parser("make-savedmodel", help="write a random-weight tf-keras SavedModel directory"))
    s.add_argument("--model", choices=MODELS_224 + MODELS_32, required=True)
    s.add_argument("--out", required=True)
    s = common(sub.add_parser("savedmodel-process", help="tf_keras.models.load_model(dir) + predict one image, as processes"))
    s.add_argument("--dir", required=True)
    s.add_argument("--image", required=True)
    s.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    s = common(sub.add_parser("list-variables-process", help="tf.train.list_variables of a SavedModel/checkpoint, as processes"))
    s.add_argument("--dir", required=True)
    s.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    s = sub.add_parser("inspect-h5", help="h5py walk of a Keras .h5 (no TF import)")
    s.add_argument("--repeats", type=int, default=5)
    s.add_argument("--threads", type=int, default=1, help="recorded only (h5py/numpy statistics are single-threaded)")
    s.add_argument("--file", required=True)
    s.add_argument("--weights", action="store_true", help="also read every dataset and compute statistics")
    s = sub.add_parser("inspect-h5-process", help="h5py walk of a Keras .h5 or sharded manifest, as fresh processes")
    s.add_argument("--repeats", type=int, default=5)
    s.add_argument("--threads", type=int, default=1, help="recorded only")
    s.add_argument("--file", required=True)
    s.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    s = sub.add_parser("make-shards", help="VGG16's conv base saved by Keras as sharded weights (input for inspect-shards)")
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", required=True)
    s.add_argument("--max-shard-bytes", type=int, required=True)
    s = sub.add_parser("inspect-shards", help="h5py walk of every shard of a *.weights.json (no TF import)")
    s.add_argument("--repeats", type=int, default=5)
    s.add_argument("--threads", type=int, default=1, help="recorded only")
    s.add_argument("--file", required=True, help="the manifest")
    s.add_argument("--weights", action="store_true", help="also read every dataset and compute statistics")
    return p


COMMANDS = {"forward": cmd_forward, "deconv": cmd_deconv, "saliency": cmd_saliency, "maxstep": cmd_maxstep,
            "train": cmd_train, "predict-process": cmd_predict_process, "make-h5": cmd_make_h5,
            "inspect-h5": cmd_inspect_h5, "inspect-h5-process": cmd_inspect_h5_process, "make-shards": cmd_make_shards, "inspect-shards": cmd_inspect_shards,
            "sequence": cmd_sequence, "make-savedmodel": cmd_make_savedmodel,
            "savedmodel-process": cmd_savedmodel_process, "list-variables-process": cmd_list_variables_process}


def main():
    a = parser().parse_args()
    # Keep stdout for the single JSON object: anything else (C or Python) written to fd 1 goes to stderr.
    sys.stdout.flush()
    json_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    result = COMMANDS[a.cmd](a)
    with os.fdopen(json_fd, "w") as out:
        out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
