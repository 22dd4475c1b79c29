"""A Keras file (VGG16 by default) to ONNX two ways, in one run: ConvScope (`convscope export --format onnx`)
and tf2onnx 1.17.0 (`tf2onnx.convert.from_keras` on the model tf-keras loads from an .h5). For each: wall
time and peak RSS of the converting process, the file's size, and the parity of its onnxruntime output
against Keras' (`--expected` on `--input`; with `--logits`, also the input of the final Softmax against
Keras' pre-softmax scores, as a softmax of random weights saturates). Prints one JSON object; `convscope bench onnx-export` runs it
and prints the lines and `ratio` lines (ConvScope / tf2onnx).

    onnx_export_bench.py --convscope .build/release/convscope [--model Fixtures/cache/vgg16.keras3.h5]
        [--input Fixtures/cache/vgg16.in.npy] [--expected Fixtures/cache/vgg16.out.npy] [--logits NPY] [--limit-gb 16]
        [--skip-tf2onnx]

Each converter runs in its own process group under a watchdog that polls the group's RSS every 0.5 s and
kills it past --limit-gb. tf2onnx's memory on VGG16 (measured with faulthandler stack dumps, Dec 2026):
its optimizer deep-copies the graph with the weights before every pass unless TF2ONNX_CATCH_ERRORS is set
(1.17.0 compares the constant's name, not its value, with "TRUE", so any value turns the copies off), set
here; even so the process passes 12 GB inside TensorFlow's convert_variables_to_constants_v2, which
tf2onnx's from_function calls to freeze the model (the 528 MB of weights copied as Const node_defs
through import, prune and lift_to_graph: 2 GB after loading, 6.8 GB at 190 s, still freezing), before
its own conversion begins. from_saved_model freezes through the same from_trackable/from_function path,
so the SavedModel route does not avoid it. The tf-keras .h5 is made (untimed) into a temporary folder:
tf-keras loads the Keras file if it can, else (VGG16) the weights are set on tf_keras.applications.VGG16.
Nothing is written into Fixtures/cache.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TF2ONNX = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF2ONNX_CATCH_ERRORS"] = "FALSE"
import tf_keras, tensorflow as tf, tf2onnx
model = tf_keras.models.load_model(sys.argv[1], compile=False)
spec = tuple(tf.TensorSpec((None,) + tuple(i.shape[1:]), tf.float32, name=f"input{k}") for k, i in enumerate(model.inputs))
tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=sys.argv[2])
'''

MAKE_TFKERAS = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, tf_keras
try:
    model = tf_keras.models.load_model(sys.argv[1], compile=False)
except Exception:
    source = keras.models.load_model(sys.argv[1], compile=False)
    model = tf_keras.applications.VGG16(weights=None)
    model.set_weights(source.get_weights())
model.save(sys.argv[2])
'''


def group_rss_kb(pgid):
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            pass
    return total


def timed(cmd, limit_kb, env=None):
    """Runs cmd in its own process group; wall time, peak RSS (polled group RSS and the child's VmHWM via
    /usr/bin/time), and whether the watchdog killed it."""
    full = ["/usr/bin/time", "-f", "%M"] + cmd
    start = time.perf_counter()
    p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)
    peak, killed = 0, False
    while p.poll() is None:
        rss = group_rss_kb(p.pid)
        peak = max(peak, rss)
        if rss > limit_kb:
            os.killpg(p.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.5)
    out, err = p.communicate()
    seconds = time.perf_counter() - start
    lines = err.decode(errors="replace").strip().splitlines()
    try:
        peak = max(peak, int(lines[-1]))
    except (ValueError, IndexError):
        pass
    note = None
    if killed:
        note = f"killed by the memory watchdog past {limit_kb / 1024 / 1024:.0f} GB"
    elif p.returncode:
        note = f"exit {p.returncode}: " + " | ".join(lines[-3:])[:300]
    return {"seconds": seconds, "peak_rss_mb": peak / 1024, "status": p.returncode, "killed": killed, "note": note}


def relative(got, want):
    import numpy as np
    return float(np.max(np.abs(got.astype(np.float64) - want)) / np.max(np.abs(want)))


def parity(path, x, want, logits=None):
    """The file's output against Keras'; with `logits`, also the input of a final Softmax (made an extra
    output of the graph) against Keras' pre-softmax scores: (output parity, logits parity or None)."""
    import onnx
    import onnxruntime as ort
    m = onnx.load(path)
    producer = {o: n for n in m.graph.node for o in n.output}
    n = producer.get(m.graph.output[0].name)
    while n is not None and n.op_type == "Identity":
        n = producer.get(n.input[0])
    extra = n.input[0] if logits is not None and n is not None and n.op_type == "Softmax" else None
    if extra is not None:
        m.graph.output.append(onnx.helper.make_tensor_value_info(extra, onnx.TensorProto.FLOAT, None))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])
    got = s.run(None, {s.get_inputs()[0].name: x})
    return relative(got[0], want), (relative(got[-1], logits) if extra is not None else None)


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--convscope", required=True)
    a.add_argument("--model", default="Fixtures/cache/vgg16.keras3.h5")
    a.add_argument("--input", default="Fixtures/cache/vgg16.in.npy")
    a.add_argument("--expected", default="Fixtures/cache/vgg16.out.npy")
    a.add_argument("--logits", help="Keras' pre-softmax scores (.npy) on the input, compared with a final Softmax's input")
    a.add_argument("--limit-gb", type=float, default=16)
    a.add_argument("--skip-tf2onnx", action="store_true")
    args = a.parse_args()
    import numpy as np
    x = np.load(args.input).astype(np.float32)
    want = np.load(args.expected).astype(np.float32)
    logits = np.load(args.logits).astype(np.float32) if args.logits else None
    limit = int(args.limit_gb * 1024 * 1024)
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = os.path.join(tmp, "convscope.onnx"), os.path.join(tmp, "tf2onnx.onnx")
        paths = {"convscope": ours}
        # Interleaved: ConvScope, then tf2onnx.
        result["convscope"] = timed([args.convscope, "export", args.model, "--format", "onnx", "--out", ours], limit)
        if not args.skip_tf2onnx:
            tfk = os.path.join(tmp, "model.tfkeras.h5")
            made = subprocess.run([sys.executable, "-c", MAKE_TFKERAS, args.model, tfk],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if made.returncode == 0:
                env = dict(os.environ, TF2ONNX_CATCH_ERRORS="FALSE")
                result["tf2onnx"] = timed([sys.executable, "-c", TF2ONNX, tfk, theirs], limit, env=env)
            else:
                last = (made.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
                result["tf2onnx"] = {"seconds": 0.0, "peak_rss_mb": 0.0, "status": made.returncode, "killed": False,
                                     "note": f"tf-keras could not load the model, so tf2onnx was not run: {last[:200]}"}
            paths["tf2onnx"] = theirs
        for key, path in paths.items():
            r = result[key]
            ok = r["status"] == 0 and os.path.exists(path)
            r["parity_vs_keras"], r["logits_parity_vs_keras"] = parity(path, x, want, logits) if ok else (None, None)
            r["bytes"] = os.path.getsize(path) if os.path.exists(path) else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
