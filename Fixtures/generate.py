#!/usr/bin/env python3
"""ConvScope's Keras oracle: writes the fixtures under Fixtures/ (see README.md).

    python Fixtures/generate.py [--out Fixtures] [--large] [--only formats,layers,...]
"""
import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("PYTHONHASHSEED", "0")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SECTIONS = ["formats", "layers", "models", "gradients", "maximize", "training", "demo", "inputs", "quantized", "keras2026", "tfjs", "attention",
            "sequences", "chfirst", "keras1", "tfcontainers", "layers15", "cost", "matchrule", "attribution", "formats16",
            "onnxlow", "fourier"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--large", action="store_true")
    ap.add_argument("--only", default=",".join(SECTIONS))
    a = ap.parse_args()
    from py import common
    common.setup()
    import importlib
    times = {}
    only = [s for s in a.only.split(",") if s]
    for s in only:
        t = time.time()
        mod = importlib.import_module("py." + s)
        mod.generate(a.out)
        times[s] = time.time() - t
        print(f"[{s}] done in {times[s]:.1f}s", flush=True)
    if a.large:
        t = time.time()
        from py import large
        large.generate(a.out)
        times["large"] = time.time() - t
        print(f"[large] done in {times['large']:.1f}s", flush=True)
    total = 0
    for root, _, files in os.walk(a.out):
        if "/cache" in root or "__pycache__" in root:
            continue
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print("summary: " + ", ".join(f"{k} {v:.1f}s" for k, v in times.items())
          + f"; committed-tree size {total/1e6:.2f} MB")


if __name__ == "__main__":
    main()
