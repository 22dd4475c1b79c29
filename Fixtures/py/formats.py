"""Section 1: the same small models written by every generation."""
import json
import os
import shutil
import traceback

import h5py
import numpy as np

from . import common as C


# ------------------------------------------------------------ architectures
def build_tiny(K):
    L = K.layers
    return K.Sequential([
        K.Input((16, 16, 3), name="input"),
        L.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
        L.BatchNormalization(name="bn1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(8, 3, padding="valid", name="conv2"),
        L.Flatten(name="flatten"),
        L.Dropout(0.2, name="dropout"),
        L.Dense(10, activation="softmax", name="fc"),
    ], name="tiny")


def build_multi(K):
    L = K.layers
    a = K.Input((8, 8, 3), name="in_a")
    b = K.Input((8, 8, 3), name="in_b")
    shared = L.Conv2D(4, 3, padding="same", activation="relu", name="shared_conv")
    ca, cb = shared(a), shared(b)
    s = L.Add(name="add")([ca, cb])
    c = L.Concatenate(name="concat")([s, ca])
    g = L.GlobalAveragePooling2D(name="gap")(c)
    o1 = L.Dense(3, name="head_a")(g)
    o2 = L.Dense(2, activation="softmax", name="head_b")(g)
    return K.Model([a, b], [o1, o2], name="multi")


def build_backbone(K):
    L = K.layers
    x = K.Input((16, 16, 3), name="bb_input")
    y = L.Conv2D(8, 3, strides=2, padding="same", use_bias=False, name="bb_conv")(x)
    y = L.BatchNormalization(name="bb_bn")(y)
    y = L.ReLU(name="bb_relu")(y)
    y = L.DepthwiseConv2D(3, padding="same", name="bb_dw")(y)
    y = L.SeparableConv2D(16, 3, padding="same", activation="relu", name="bb_sep")(y)
    y = L.GlobalAveragePooling2D(name="bb_gap")(y)
    return K.Model(x, y, name="backbone")


def build_nested(K):
    return K.Sequential([
        K.Input((16, 16, 3), name="input"),
        build_backbone(K),
        K.layers.Dense(5, activation="softmax", name="head"),
    ], name="nested")


def build_lambda(K):
    L = K.layers
    x = K.Input((8, 8, 3), name="input")
    y = L.Conv2D(4, 3, name="conv")(x)
    y = L.Lambda(lambda t: t * 2.0, name="double")(y)
    y = L.GlobalAveragePooling2D(name="gap")(y)
    y = L.Dense(3, name="out")(y)
    return K.Model(x, y, name="lambda_model")


def build_rnn(K):
    L = K.layers
    return K.Sequential([
        K.Input((12,), dtype="int32", name="tokens"),
        L.Embedding(50, 8, name="emb"),
        L.LSTM(6, name="lstm"),
        L.Dense(3, activation="softmax", name="out"),
    ], name="rnn")


BUILDERS = {"tiny": build_tiny, "multi": build_multi, "nested": build_nested,
            "lambda": build_lambda, "rnn": build_rnn}


def inputs_for(name):
    r = C.rng_for("formats-input", name)
    if name == "multi":
        return [r.random((2, 8, 8, 3)).astype(np.float32),
                r.random((2, 8, 8, 3)).astype(np.float32)]
    if name == "rnn":
        return [r.integers(0, 50, (2, 12)).astype(np.int32)]
    if name == "lambda":
        return [r.random((2, 8, 8, 3)).astype(np.float32)]
    return [r.random((2, 16, 16, 3)).astype(np.float32)]


def as_list(y):
    if isinstance(y, (list, tuple)):
        return [np.asarray(t) for t in y]
    return [np.asarray(y)]


def predict(model, xs):
    y = model(xs if len(xs) > 1 else xs[0], training=False)
    return as_list(y)


def err(e):
    return f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"


# ------------------------------------------------------------ old generations
def fixed(s):
    return np.bytes_(s.encode("utf8") if isinstance(s, str) else s)


def save_attr_chunked(group, name, data):
    """Keras 2.2.4 saving.save_attributes_to_hdf5_group, byte for byte:
    a python list of bytes -> numpy |S array; split when > 64512 bytes."""
    LIMIT = 64512
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > LIMIT for x in chunked):
        num_chunks += 1
        chunked = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs["%s%d" % (name, i)] = chunk
    else:
        group.attrs[name] = data_npy if len(data) else np.array([], dtype=np.float64)
    return num_chunks


def glorot():
    return {"class_name": "VarianceScaling",
            "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}


def zeros():
    return {"class_name": "Zeros", "config": {}}


def ones():
    return {"class_name": "Ones", "config": {}}


def keras224_tiny_config(seq_as_dict=False):
    common_reg = {"kernel_regularizer": None, "bias_regularizer": None,
                  "activity_regularizer": None, "kernel_constraint": None,
                  "bias_constraint": None}
    def conv(name, filters, padding, activation, first=False):
        c = {"name": name, "trainable": True}
        if first:
            c["batch_input_shape"] = [None, 16, 16, 3]
            c["dtype"] = "float32"
        c.update({"filters": filters, "kernel_size": [3, 3], "strides": [1, 1],
                  "padding": padding, "data_format": "channels_last",
                  "dilation_rate": [1, 1], "activation": activation, "use_bias": True,
                  "kernel_initializer": glorot(), "bias_initializer": zeros()})
        c.update(common_reg)
        return {"class_name": "Conv2D", "config": c}
    layers = [
        conv("conv1", 4, "same", "relu", first=True),
        {"class_name": "BatchNormalization", "config": {
            "name": "bn1", "trainable": True, "axis": -1, "momentum": 0.99,
            "epsilon": 0.001, "center": True, "scale": True,
            "beta_initializer": zeros(), "gamma_initializer": ones(),
            "moving_mean_initializer": zeros(), "moving_variance_initializer": ones(),
            "beta_regularizer": None, "gamma_regularizer": None,
            "beta_constraint": None, "gamma_constraint": None}},
        {"class_name": "MaxPooling2D", "config": {
            "name": "pool1", "trainable": True, "pool_size": [2, 2], "padding": "valid",
            "strides": [2, 2], "data_format": "channels_last"}},
        conv("conv2", 8, "valid", "linear"),
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True,
                                             "data_format": "channels_last"}},
        {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                             "rate": 0.2, "noise_shape": None, "seed": None}},
        {"class_name": "Dense", "config": dict({
            "name": "fc", "trainable": True, "units": 10, "activation": "softmax",
            "use_bias": True, "kernel_initializer": glorot(), "bias_initializer": zeros()},
            **common_reg)},
    ]
    cfg = {"name": "sequential_1", "layers": layers} if seq_as_dict else layers
    return {"class_name": "Sequential", "config": cfg}


def keras224_training_config():
    f = lambda v: float(np.float32(v))  # Keras 2 read these back from float32 variables
    return {"optimizer_config": {"class_name": "Adam", "config": {
        "lr": f(0.001), "beta_1": f(0.9), "beta_2": f(0.999), "decay": 0.0,
        "epsilon": 1e-07, "amsgrad": False}},
        "loss": "categorical_crossentropy", "metrics": ["accuracy"],
        "sample_weight_mode": None, "loss_weights": None}


def write_keras224(path, weights_by_layer, seq_as_dict=False):
    """weights_by_layer: [(layer_name, [(weight_name, array), ...]), ...]"""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = fixed("2.2.4")
        f.attrs["backend"] = fixed("tensorflow")
        f.attrs["model_config"] = fixed(json.dumps(keras224_tiny_config(seq_as_dict)))
        f.attrs["training_config"] = fixed(json.dumps(keras224_training_config()))
        g = f.create_group("model_weights")
        write_legacy_weights_group(g, weights_by_layer, "2.2.4", "tensorflow")


def write_legacy_weights_group(g, weights_by_layer, version, backend):
    save_attr_chunked(g, "layer_names", [n.encode("utf8") for n, _ in weights_by_layer])
    g.attrs["backend"] = fixed(backend)
    g.attrs["keras_version"] = fixed(version)
    for lname, ws in weights_by_layer:
        lg = g.create_group(lname)
        names = [wn.encode("utf8") for wn, _ in ws]
        save_attr_chunked(lg, "weight_names", names)
        for wn, val in ws:
            d = lg.create_dataset(wn, val.shape, dtype=val.dtype)
            if not val.shape:
                d[()] = val
            else:
                d[:] = val


def keras1_theano_config():
    def conv(name, nb, border, act, first=False):
        c = {"name": name, "trainable": True}
        if first:
            c["batch_input_shape"] = [None, 3, 16, 16]
            c["input_dtype"] = "float32"
        c.update({"nb_filter": nb, "nb_row": 3, "nb_col": 3, "init": "glorot_uniform",
                  "activation": act, "border_mode": border, "subsample": [1, 1],
                  "dim_ordering": "th", "W_regularizer": None, "b_regularizer": None,
                  "activity_regularizer": None, "W_constraint": None,
                  "b_constraint": None, "bias": True})
        return {"class_name": "Convolution2D", "config": c}
    layers = [
        conv("convolution2d_1", 4, "same", "relu", first=True),
        {"class_name": "BatchNormalization", "config": {
            "name": "batchnormalization_1", "trainable": True, "epsilon": 0.001,
            "mode": 0, "axis": 1, "gamma_regularizer": None, "beta_regularizer": None,
            "momentum": 0.99}},
        {"class_name": "MaxPooling2D", "config": {
            "name": "maxpooling2d_1", "trainable": True, "pool_size": [2, 2],
            "strides": [2, 2], "border_mode": "valid", "dim_ordering": "th"}},
        conv("convolution2d_2", 8, "valid", "linear"),
        {"class_name": "Flatten", "config": {"name": "flatten_1", "trainable": True}},
        {"class_name": "Dropout", "config": {"name": "dropout_1", "trainable": True, "p": 0.2}},
        {"class_name": "Dense", "config": {
            "name": "dense_1", "trainable": True, "output_dim": 10, "input_dim": 288,
            "init": "glorot_uniform", "activation": "softmax", "W_regularizer": None,
            "b_regularizer": None, "activity_regularizer": None, "W_constraint": None,
            "b_constraint": None, "bias": True}},
    ]
    return {"class_name": "Sequential", "config": layers}


def write_keras1_theano(path, W):
    """W: dict of the Keras 3 tiny weights {'conv1/kernel': arr, ...}.
    Writes a channels-first Theano file computing the same function on
    NCHW input."""
    def th_kernel(k):  # (kh,kw,in,out) cross-correlation -> (out,in,kh,kw) flipped
        return np.ascontiguousarray(k.transpose(3, 2, 0, 1)[:, :, ::-1, ::-1])
    # Dense rows: NHWC flatten index h*48+w*8+c -> NCHW index c*36+h*6+w
    fc = W["fc/kernel"]
    h, w, c = np.meshgrid(np.arange(6), np.arange(6), np.arange(8), indexing="ij")
    nhwc = (h * 48 + w * 8 + c).ravel()
    nchw = (c * 36 + h * 6 + w).ravel()
    fc_th = np.empty_like(fc)
    fc_th[nchw] = fc[nhwc]
    wl = [
        ("convolution2d_1", [("convolution2d_1_W", th_kernel(W["conv1/kernel"])),
                             ("convolution2d_1_b", W["conv1/bias"])]),
        ("batchnormalization_1", [("batchnormalization_1_gamma", W["bn1/gamma"]),
                                  ("batchnormalization_1_beta", W["bn1/beta"]),
                                  ("batchnormalization_1_running_mean", W["bn1/moving_mean"]),
                                  ("batchnormalization_1_running_std", W["bn1/moving_variance"])]),
        ("maxpooling2d_1", []),
        ("convolution2d_2", [("convolution2d_2_W", th_kernel(W["conv2/kernel"])),
                             ("convolution2d_2_b", W["conv2/bias"])]),
        ("flatten_1", []),
        ("dropout_1", []),
        ("dense_1", [("dense_1_W", np.ascontiguousarray(fc_th)), ("dense_1_b", W["fc/bias"])]),
    ]
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = fixed("1.2.2")
        f.attrs["backend"] = fixed("theano")
        f.attrs["model_config"] = fixed(json.dumps(keras1_theano_config()))
        f.attrs["training_config"] = fixed(json.dumps({
            "optimizer_config": {"class_name": "Adam", "config": {
                "lr": float(np.float32(0.001)), "beta_1": float(np.float32(0.9)),
                "beta_2": float(np.float32(0.999)), "epsilon": 1e-08, "decay": 0.0}},
            "loss": "categorical_crossentropy", "metrics": ["accuracy"],
            "sample_weight_mode": None, "loss_weights": None}))
        g = f.create_group("model_weights")
        # Keras 1.2 save_weights_to_hdf5_group wrote only layer_names on the group
        g.attrs["layer_names"] = np.asarray([n.encode() for n, _ in wl])
        for lname, ws in wl:
            lg = g.create_group(lname)
            if ws:
                lg.attrs["weight_names"] = np.asarray([n.encode() for n, _ in ws])
            else:
                lg.attrs["weight_names"] = np.array([], dtype=np.float64)
            for wn, v in ws:
                lg.create_dataset(wn, data=np.asarray(v, np.float32))
    return wl


def write_big_names(path, n=340):
    """Weights-only Keras 2.2.4-style file with 340 layers whose names are
    ~200 bytes long, so layer_names (68 kB) is split into layer_names0/1
    exactly as Keras 2.2.4 does; every other layer is a tiny Dense."""
    wl = []
    for i in range(n):
        name = f"dense_block_{i:04d}_" + "with_a_deliberately_long_layer_name_" * 5
        if i % 2 == 0:
            r = C.rng_for("big_names", i)
            wl.append((name, [(f"{name}/kernel:0", r.normal(0, 1, (2, 2)).astype(np.float32)),
                              (f"{name}/bias:0", r.normal(0, 1, (2,)).astype(np.float32))]))
        else:
            wl.append((name, []))
    with h5py.File(path, "w") as f:
        write_legacy_weights_group(f, wl, "2.2.4", "tensorflow")
        chunks = sorted(k for k in f.attrs if k.startswith("layer_names"))
    return wl, chunks


# ------------------------------------------------------------ driver
def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "formats")
    os.makedirs(d, exist_ok=True)
    expected = {"files": {}, "models": {}, "notes": []}
    tiny_weights = None

    for mname, build in BUILDERS.items():
        C.seed_all()
        xs = inputs_for(mname)
        for i, x in enumerate(xs):
            np.save(os.path.join(d, f"{mname}.in{i}.npy"), x if x.dtype == np.int32 else C.f32(x))
        minfo = {"inputs": [f"{mname}.in{i}.npy" for i in range(len(xs))], "outputs": [],
                 "writers": {}}
        # --- Keras 3
        m3 = build(keras)
        C.init_weights(m3, mname)
        ys = predict(m3, xs)
        for i, y in enumerate(ys):
            C.save_npy(os.path.join(d, f"{mname}.out{i}.npy"), y)
        minfo["outputs"] = [f"{mname}.out{i}.npy" for i in range(len(ys))]
        if mname == "tiny":
            tiny_weights = {f"{l.name}/{C.short_weight_name(v)}": np.asarray(v.numpy())
                            for l in m3.layers for v in l.weights}
        # --- tf-keras
        C.seed_all()
        mt = build(tf_keras)
        C.init_weights(mt, mname)
        yt = predict(mt, xs)
        agree = all(np.allclose(a, b, atol=1e-5) for a, b in zip(ys, yt))
        minfo["tfkeras_build_matches_keras3"] = bool(agree)

        writers = [
            ("tfkeras", f"{mname}.tfkeras.h5", lambda p: mt.save(p)),
            ("tfkeras-weights", f"{mname}.tfkeras-weights.h5", lambda p: mt.save_weights(p)),
            ("keras3-h5", f"{mname}.keras3.h5", lambda p: m3.save(p)),
            ("keras3-weights", f"{mname}.keras3.weights.h5", lambda p: m3.save_weights(p)),
            ("keras3-keras", f"{mname}.keras3.keras", lambda p: m3.save(p)),
        ]
        for gen, fname, fn in writers:
            p = os.path.join(d, fname)
            if os.path.exists(p):
                os.remove(p)
            try:
                fn(p)
                if fname.endswith(".keras"):
                    C.normalize_keras_zip(p)
                minfo["writers"][fname] = "ok"
            except Exception as e:  # record what happens
                minfo["writers"][fname] = "error: " + err(e)
                if os.path.exists(p):
                    os.remove(p)
                continue
            expected["files"][fname] = describe_file(p, gen, mname, xs, ys, keras, tf_keras, build)
        expected["models"][mname] = minfo

    # --- tiny with optimizer state (tf-keras)
    C.seed_all()
    mt = build_tiny(tf_keras)
    C.init_weights(mt, "tiny")
    mt.compile(optimizer=tf_keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
               metrics=["accuracy"])
    r = C.rng_for("tiny-opt-batch")
    xb = r.random((4, 16, 16, 3)).astype(np.float32)
    yb = np.eye(10, dtype=np.float32)[r.integers(0, 10, 4)]
    mt.train_on_batch(xb, yb)
    p = os.path.join(d, "tiny.tfkeras-optimizer.h5")
    mt.save(p)
    e = describe_file(p, "tfkeras", "tiny", None, None, keras, tf_keras, build_tiny)
    e["note"] = "tiny after one Adam train_on_batch step: weights differ from tiny.out0.npy"
    expected["files"]["tiny.tfkeras-optimizer.h5"] = e

    # --- Keras 2.2.4 and Keras 1.2.2 (hand-written with h5py)
    W = tiny_weights
    def k2wl():
        lw = lambda l, ns: [(f"{l}/{n}:0", W[f"{l}/{n}"]) for n in ns]
        return [("conv1", lw("conv1", ["kernel", "bias"])),
                ("bn1", lw("bn1", ["gamma", "beta", "moving_mean", "moving_variance"])),
                ("pool1", []), ("conv2", lw("conv2", ["kernel", "bias"])),
                ("flatten", []), ("dropout", []), ("fc", lw("fc", ["kernel", "bias"]))]
    xs = inputs_for("tiny")
    ys = [np.load(os.path.join(d, "tiny.out0.npy"))]
    for fname, asdict in (("tiny.keras224.h5", False), ("tiny.keras224-seqdict.h5", True)):
        p = os.path.join(d, fname)
        write_keras224(p, k2wl(), seq_as_dict=asdict)
        expected["files"][fname] = describe_file(p, "keras2", "tiny", xs, ys, keras, tf_keras, build_tiny)
    p = os.path.join(d, "tiny.keras1-theano.h5")
    wl = write_keras1_theano(p, W)
    expected["files"]["tiny.keras1-theano.h5"] = describe_keras1(p, wl, xs, ys)
    p = os.path.join(d, "big_names.keras224.h5")
    wl, chunks = write_big_names(p)
    e = describe_file(p, "keras2", None, None, None, keras, tf_keras, None)
    e["layer_names_attributes"] = chunks
    e["layer_count"] = len(wl)
    expected["files"]["big_names.keras224.h5"] = e

    C.dump_json(os.path.join(d, "expected.json"), expected)
    from . import bad
    bad.generate(out, tiny_weights)
    return expected


def weights_total(ws):
    return int(sum(int(np.prod(w["shape"])) for w in ws))


def describe_file(p, gen, mname, xs, ys, keras, tf_keras, build):
    e = {"generation": gen, "model": mname, "size_bytes": os.path.getsize(p)}
    if p.endswith(".keras"):
        import zipfile
        with zipfile.ZipFile(p) as z:
            e["zip_entries"] = z.namelist()
            meta = json.loads(z.read("metadata.json"))
            cfg = json.loads(z.read("config.json"))
            e["keras_version"] = meta.get("keras_version")
            e["backend"] = None
            e["metadata"] = meta
            e["config_class_name"] = cfg.get("class_name")
            tmp = p + ".tmp.weights.h5"
            with open(tmp, "wb") as fh:
                fh.write(z.read("model.weights.h5"))
        e["full_model"] = True
        e["has_optimizer_weights"] = False
        e["stored_weights"] = C.keras3_weights_file(tmp)
        os.remove(tmp)
    else:
        with h5py.File(p, "r") as f:
            e["keras_version"] = C.h5_attr_str(f.attrs["keras_version"]) if "keras_version" in f.attrs else None
            e["backend"] = C.h5_attr_str(f.attrs["backend"]) if "backend" in f.attrs else None
            e["full_model"] = "model_config" in f.attrs
            e["has_optimizer_weights"] = "optimizer_weights" in f
            e["has_training_config"] = "training_config" in f.attrs
            e["root_groups"] = sorted(f.keys())
            if e["has_optimizer_weights"]:
                ow = []
                og = f["optimizer_weights"]
                for wn in C.load_attr_list(og, "weight_names"):
                    ow.append({"name": wn, "shape": list(og[wn].shape)})
                e["optimizer_weights"] = ow
            is_legacy = "layer_names" in f.attrs or "model_weights" in f or any(
                k.startswith("layer_names") for k in f.attrs)
            if e["keras_version"] is None and "model_weights" in f:
                mw = f["model_weights"].attrs
                e["model_weights_keras_version"] = C.h5_attr_str(mw["keras_version"]) if "keras_version" in mw else None
        e["attribute_types"] = C.root_attr_types(p)
        if is_legacy:
            e["weights"] = C.legacy_weights(p)
        else:
            e["stored_weights"] = C.keras3_weights_file(p)
    stored = e.get("weights", e.get("stored_weights", []))
    e["stored_param_count"] = weights_total(stored)
    if mname is None:
        return e
    # --- what Keras itself says
    try:
        model, loader = load_with_keras(p, gen, keras, tf_keras, build)
        e["loaded_with"] = loader
        e.update(C.param_counts(model))
        e["layers"] = (C.layer_info_k3 if loader.startswith("keras") else C.layer_info_tfk)(model)
        if xs is not None:
            got = predict(model, xs)
            e["outputs_match_reference"] = bool(all(
                np.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(got, ys)))
            assert e["outputs_match_reference"], p
    except Exception as ex:
        e["load_error"] = err(ex)
        traceback.print_exc()
    return e


def load_with_keras(p, gen, keras, tf_keras, build):
    if gen in ("keras3-h5", "keras3-keras"):
        try:
            return keras.models.load_model(p, compile=False), "keras " + keras.__version__
        except Exception as ex:
            m = keras.models.load_model(p, compile=False, safe_mode=False)
            return m, f"keras {keras.__version__} safe_mode=False (safe load failed: {err(ex)})"
    if gen in ("tfkeras", "keras2"):
        try:
            return tf_keras.models.load_model(p), "tf_keras " + tf_keras.__version__
        except Exception as ex:
            m = tf_keras.models.load_model(p, compile=False)
            return m, f"tf_keras {tf_keras.__version__} compile=False (compile failed: {err(ex)})"
    if gen == "tfkeras-weights":
        m = build(tf_keras)
        m.load_weights(p)
        return m, "tf_keras (architecture built in code, load_weights)"
    if gen == "keras3-weights":
        m = build(keras)
        m.load_weights(p)
        return m, "keras (architecture built in code, load_weights)"
    raise ValueError(gen)


def describe_keras1(p, wl, xs, ys):
    """Keras 1 Theano tiny: tf_keras cannot rebuild Convolution2D configs, so
    the layer table is Keras' view of the equivalent channels-last model
    (names mapped); weights come from the file via h5py."""
    import tf_keras
    e = describe_file(p, "keras1", None, None, None, None, None, None)
    m = build_tiny(tf_keras)
    info = C.layer_info_tfk(m)
    names = [n for n, _ in wl]
    cls = ["Convolution2D", "BatchNormalization", "MaxPooling2D", "Convolution2D",
           "Flatten", "Dropout", "Dense"]
    chw = {"conv1": [4, 16, 16], "bn1": [4, 16, 16], "pool1": [4, 8, 8],
           "conv2": [8, 6, 6]}
    layers = []
    prev = None
    for li, n, c in zip(info, names, cls):
        layers.append({"name": n, "class_name": c,
                       "output_shape": chw.get(li["name"], li["output_shape"]),
                       "params": li["params"], "inbound": [prev] if prev else [],
                       "calls": 1})
        prev = n
    e["layers"] = layers
    e.update(C.param_counts(m))
    e["note"] = ("channels-first (dim_ordering th); computes tiny.out0.npy on tiny.in0.npy "
                 "transposed to (N,3,16,16); kernels are (out,in,kh,kw) and spatially "
                 "flipped; dense_1_W rows are in C,H,W flatten order; "
                 "batchnormalization_1_running_std holds the moving VARIANCE (Keras 1.2 naming)")
    e["input_layout"] = "NCHW"
    return e
