"""VGG16 to ONNX two ways, in one run: ConvScope (`convscope export --format onnx`) and tf2onnx 1.17.0
(`tf2onnx.convert.from_keras` on the model loaded by tf-keras from its .h5). For each: wall time and peak
RSS of the converting process, and the parity of the ONNX file's onnxruntime output against Keras'
(Fixtures/cache/vgg16.out.npy on vgg16.in.npy). Prints one line per converter and `ratio` lines
(ConvScope / tf2onnx), then one JSON object.

    onnx_export_bench.py --convscope .build/release/convscope [--cache Fixtures/cache] [--limit-gb 16]

tf2onnx runs in its own process group under a watchdog that polls the group's RSS every 0.5 s and kills
it past --limit-gb (its optimizer deep-copies the graph with the weights; TF2ONNX_CATCH_ERRORS=FALSE
stops the copies: docs reference-engines.md). The tf-keras .h5 is made (untimed) from the Keras 3 file's
weights into a temporary folder; nothing is written into Fixtures/cache.
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
spec = (tf.TensorSpec((None, 224, 224, 3), tf.float32, name="input"),)
tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=sys.argv[2])
'''

MAKE_TFKERAS = r'''
import os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras, tf_keras
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
    return {"seconds": seconds, "peak_rss_mb": peak / 1024, "status": p.returncode, "killed": killed,
            "stderr_tail": lines[-3:] if p.returncode else []}


def parity(path, x, want):
    import numpy as np
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    got = s.run(None, {s.get_inputs()[0].name: x})[0]
    return float(np.max(np.abs(got.astype(np.float64) - want)) / np.max(np.abs(want)))


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--convscope", required=True)
    a.add_argument("--cache", default="Fixtures/cache")
    a.add_argument("--limit-gb", type=float, default=16)
    args = a.parse_args()
    import numpy as np
    source = os.path.join(args.cache, "vgg16.keras3.h5")
    x = np.load(os.path.join(args.cache, "vgg16.in.npy")).astype(np.float32)
    want = np.load(os.path.join(args.cache, "vgg16.out.npy")).astype(np.float32)
    limit = int(args.limit_gb * 1024 * 1024)
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        tfk = os.path.join(tmp, "vgg16.tfkeras.h5")
        subprocess.run([sys.executable, "-c", MAKE_TFKERAS, source, tfk], check=True, stdout=subprocess.DEVNULL)
        ours, theirs = os.path.join(tmp, "convscope.onnx"), os.path.join(tmp, "tf2onnx.onnx")
        # Interleaved: ConvScope, tf2onnx.
        result["convscope"] = timed([args.convscope, "export", source, "--format", "onnx", "--out", ours], limit)
        env = dict(os.environ, TF2ONNX_CATCH_ERRORS="FALSE")
        result["tf2onnx"] = timed([sys.executable, "-c", TF2ONNX, tfk, theirs], limit, env=env)
        for key, path in (("convscope", ours), ("tf2onnx", theirs)):
            r = result[key]
            r["parity_vs_keras"] = parity(path, x, want) if r["status"] == 0 and os.path.exists(path) else None
            r["bytes"] = os.path.getsize(path) if os.path.exists(path) else None
    for key in ("convscope", "tf2onnx"):
        r = result[key]
        p = "-" if r["parity_vs_keras"] is None else f"{r['parity_vs_keras']:.2e}"
        note = " (killed by the memory watchdog)" if r["killed"] else (f" (exit {r['status']})" if r["status"] else "")
        print(f"VGG16 to ONNX  {key:10s} {r['seconds']:8.1f} s   peak RSS {r['peak_rss_mb']:8.0f} MB   "
              f"parity vs Keras {p}{note}", file=sys.stderr)
    c, t = result["convscope"], result["tf2onnx"]
    if t["status"] == 0:
        print(f"VGG16 to ONNX time (ConvScope / tf2onnx)                 ratio {c['seconds'] / t['seconds']:.2f}", file=sys.stderr)
        print(f"VGG16 to ONNX peak RSS (ConvScope / tf2onnx)             ratio {c['peak_rss_mb'] / t['peak_rss_mb']:.2f}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
