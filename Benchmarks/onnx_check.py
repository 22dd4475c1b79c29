"""Checks ONNX files written by `convscope export --format onnx` against expected outputs, in one process.

    onnx_check.py MANIFEST.json

MANIFEST: {"cases": [{"onnx": PATH, "inputs": [NPY…], "expected": [NPY…], "layout": "keras"|"nchw",
                      "full_check": true}]}
Each case: onnx.checker.check_model(full_check=True) on the file (by path, so external data is followed),
then onnxruntime (CPU, one thread) on the inputs; with layout "nchw" the inputs are given channels-first and
the outputs compared channels-first (the expected .npy files are Keras' channels-last arrays). Prints one
JSON object: {"cases": [{"onnx", "ok", "error", "max_relative"}], "failed": N}. The relative error is
max |a - b| / max |b| per output (as Tests/TestSupport/Fixture.relativeError), the largest over outputs.
Used by the ONNX export tests and by `convscope export --format onnx --check`.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import onnx
import onnxruntime as ort


def to_first(a):
    return np.moveaxis(a, -1, 1) if a.ndim >= 3 else a


def check(case):
    path = case["onnx"]
    result = {"onnx": path, "ok": False, "error": None, "max_relative": None}
    try:
        if case.get("full_check", True):
            onnx.checker.check_model(path, full_check=True)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        nchw = case.get("layout", "keras") == "nchw"
        feeds = {}
        for spec, npy in zip(session.get_inputs(), case["inputs"]):
            x = np.load(npy).astype(np.float32)
            feeds[spec.name] = to_first(x) if nchw else x
        outputs = session.run(None, feeds)
        worst = 0.0
        for got, npy in zip(outputs, case["expected"]):
            want = np.load(npy).astype(np.float32)
            if nchw:
                want = to_first(want)
            if got.shape != want.shape:
                raise ValueError(f"output shape {got.shape} != expected {want.shape}")
            scale = float(np.max(np.abs(want))) if want.size else 0.0
            diff = float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
            worst = max(worst, diff / scale if scale > 0 else diff)
        result["max_relative"] = worst
        result["ok"] = worst <= case.get("tolerance", 1e-4)
    except Exception as e:  # reported per case: one bad file must not hide the others
        result["error"] = f"{type(e).__name__}: {e}".splitlines()[0][:400]
    return result


def main():
    manifest = json.load(open(sys.argv[1]))
    results = [check(c) for c in manifest["cases"]]
    print(json.dumps({"cases": results, "failed": sum(not r["ok"] for r in results)}))


if __name__ == "__main__":
    main()
