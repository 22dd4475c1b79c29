#!/usr/bin/env python3
"""Reference weight values for KerasIOTests, read with h5py (not Keras).

    python Fixtures/kerasio/reference.py   # writes Fixtures/kerasio/reference.json

For each weight file in Fixtures/formats: every stored weight's dataset path, shape,
sum (float64) and first 4 values. `.keras` archives are read from their model.weights.h5.
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FORMATS = os.path.join(HERE, "..", "formats")


def datasets(f):
    out = {}
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.shape and obj.dtype.kind == "f":
            if name.startswith("optimizer"):
                return
            a = np.asarray(obj[()], dtype=np.float64).ravel()
            out[name] = {"shape": list(obj.shape), "sum": float(a.sum()), "first": [float(x) for x in a[:4]]}
    f.visititems(visit)
    return out


def main():
    ref = {}
    for fn in sorted(os.listdir(FORMATS)):
        p = os.path.join(FORMATS, fn)
        if fn.endswith(".keras"):
            with zipfile.ZipFile(p) as z:
                with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
                    ref[fn] = datasets(f)
        elif fn.endswith(".h5") and not fn.startswith("big_names"):
            with h5py.File(p, "r") as f:
                ref[fn] = datasets(f)
    with open(os.path.join(HERE, "reference.json"), "w") as fh:
        json.dump(ref, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
