"""Section keras2026: what a 2025-2026 Keras 3 writes (issue 16, everything but quantization).

Written by the pinned Keras 3.15.1 (and tf-keras 2.21 for the Keras 2 pair) into keras2026/:

- `shard`: Sequential "shard" (Input 4x4x2 -> Conv2D c1 4 3x3 same relu -> BatchNormalization bn ->
  Flatten flat -> Dense d1 5), saved as `shard.weights.json` + three shards with a max_shard_size
  that puts d1's kernel and bias in different shards (a layer spanning shards); `shard.keras`,
  `shard.weights.h5`, the unzipped folder `shard_dir/`, its `config.json` (= `shard.config.json`)
  and `model.to_json()` (`shard.model.json`); `shard.npz.keras` written by
  `saving_lib.save_model(weights_format="npz")` (refused: pickled object arrays).
- `k2`: the same architecture and weights in tf-keras: `k2.model.json` (`model.to_json()`) +
  `k2-weights.h5` (`save_weights`, legacy layout).
- `half`: Sequential "half" (Input 4x4x2 -> Conv2D cb 3 3x3 valid bfloat16 -> Flatten -> Dense dh 4
  relu float16 -> Dense mx 3 mixed_bfloat16): `half.keras`, `half.weights.h5`; `half.out0.npy` is a
  float32 model with the stored (rounded) values, i.e. what "run in float32 from the stored values" means.
- `bad/`: hostile variants (manifest traversal, absolute path, shard named twice, missing shard,
  wrong total_size, a shard of another model, bfloat16 with 4-byte elements, an .npz bomb).

`expected.json` holds what h5py and Keras say about each file (stored dtypes, shards, counts).
"""
import json
import os
import shutil
import struct
import zipfile

import h5py
import numpy as np

from . import common as C

# max_shard_size (GB) so that d1's kernel (1280 B) and bias (20 B) land in different shards.
SHARD_GB = 1290 / 1024 ** 3


def build_shard(K):
    L = K.layers
    return K.Sequential([
        K.Input((4, 4, 2), name="input"),
        L.Conv2D(4, 3, padding="same", activation="relu", name="c1"),
        L.BatchNormalization(name="bn"),
        L.Flatten(name="flat"),
        L.Dense(5, name="d1"),
    ], name="shard")


def build_half(K, float32=False):
    L = K.layers
    d = (lambda p: "float32") if float32 else (lambda p: p)
    return K.Sequential([
        K.Input((4, 4, 2), name="input"),
        L.Conv2D(3, 3, name="cb", dtype=d("bfloat16")),
        L.Flatten(name="flat"),
        L.Dense(4, activation="relu", name="dh", dtype=d("float16")),
        L.Dense(3, name="mx", dtype=d("mixed_bfloat16")),
    ], name="half")


def shard_facts(folder, manifest):
    m = json.load(open(os.path.join(folder, manifest)))
    shards = sorted({s for v in m["weight_map"].values() for s in (v if isinstance(v, list) else [v])})
    out = []
    for s in shards:
        layers, count, nbytes = [], 0, 0
        with h5py.File(os.path.join(folder, s), "r") as h:
            def visit(name, o):
                nonlocal count, nbytes
                if isinstance(o, h5py.Dataset):
                    count += 1
                    nbytes += o.size * o.dtype.itemsize
                    g = o.parent
                    ln = g.attrs.get("name")
                    key = g.parent.name.split("/")[-1]
                    if key not in layers:
                        layers.append(key)
            h.visititems(visit)
        out.append({"file": s, "variables": count, "data_bytes": nbytes, "layer_keys": layers})
    return {"total_size": m["metadata"]["total_size"], "weight_map": m["weight_map"], "shards": out}


def stored(path):
    out = []
    with h5py.File(path, "r") as h:
        def visit(name, o):
            if isinstance(o, h5py.Dataset):
                out.append({"path": name, "shape": list(o.shape),
                            "dtype": o.attrs.get("dtype", str(o.dtype)) if o.dtype.kind == "V" else str(o.dtype)})
        h.visititems(visit)
    return out


def group(parent, path):
    """Nested groups without timestamps (reproducible bytes)."""
    for name in path.split("/"):
        if name in parent:
            parent = parent[name]
            continue
        gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
        gcpl.set_obj_track_times(False)
        parent = h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))
    return parent


def write_bad(out, folder):
    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    m = json.load(open(os.path.join(folder, "shard.weights.json")))
    shards = sorted({s for v in m["weight_map"].values() for s in v})

    def manifest(name, rename=None, total=None, extra=None):
        wm = {k: [rename(s) if rename else s for s in v] for k, v in m["weight_map"].items()}
        if extra:
            extra(wm)
        data = {"metadata": {"total_size": total if total is not None else m["metadata"]["total_size"]},
                "weight_map": wm}
        with open(os.path.join(bad, name), "w") as fh:
            json.dump(data, fh, indent=4)

    manifest("traversal.weights.json", rename=lambda s: "../" + s)
    manifest("absolute.weights.json", rename=lambda s: "/etc/" + s)
    manifest("twice.weights.json", extra=lambda wm: wm["/layers/dense/vars"].append(wm["/layers/dense/vars"][0]))
    manifest("missing.weights.json", rename=lambda s: s.replace("shard_", "gone_"))
    manifest("total.weights.json", rename=lambda s: "../" + s if False else s, total=m["metadata"]["total_size"] + 4)
    # total.weights.json names shards in its own folder: copy them beside it.
    for s in shards:
        shutil.copyfile(os.path.join(folder, s), os.path.join(bad, s))
    # A shard swapped for another model's (same file name, the half model's weights inside).
    manifest("swapped.weights.json", rename=lambda s: s.replace("shard_", "swapped_"))
    for s in shards:
        shutil.copyfile(os.path.join(folder, s), os.path.join(bad, s.replace("shard_", "swapped_")))
    shutil.copyfile(os.path.join(out, "half.weights.h5"), os.path.join(bad, shards[-1].replace("shard_", "swapped_")))
    # bfloat16 tag on 4-byte opaque elements.
    with C.h5_create_reproducible(os.path.join(bad, "bf16-size.weights.h5")) as h:
        g = group(h, "layers/dense/vars")
        g.attrs["name"] = "dense"
        d = g.create_dataset("0", data=np.zeros((2, 3), dtype="V4"), track_times=False)
        d.attrs["dtype"] = "bfloat16"
        group(h, "vars").attrs["name"] = "sequential"
    # An .npz bomb: one member declares 2**40 float64 values and stores none.
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }"
    hdr = hdr + " " * (63 - (10 + len(hdr)) % 64) + "\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode()
    with zipfile.ZipFile(os.path.join(bad, "bomb.weights.npz"), "w") as z:
        z.writestr(zipfile.ZipInfo("layers/dense.npy", C.FIXED_DATE), npy)


def generate(out_root):
    import keras
    import tf_keras
    from keras.src.saving import saving_lib
    out = os.path.join(out_root, "keras2026")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    C.seed_all()
    expected = {"keras_version": keras.__version__}

    # ---- sharded weights and the other forms of the same model
    m = build_shard(keras)
    C.init_weights(m, "keras2026/shard")
    x = C.rng_for("keras2026", "shard", "in0").normal(0, 1, (2, 4, 4, 2)).astype(np.float32)
    C.save_npy(os.path.join(out, "shard.in0.npy"), x)
    C.save_npy(os.path.join(out, "shard.out0.npy"), m.predict(x, verbose=0))
    m.save_weights(os.path.join(out, "shard.weights.json"), max_shard_size=SHARD_GB)
    m.save_weights(os.path.join(out, "shard.weights.h5"))
    m.save(os.path.join(out, "shard.keras"))
    C.normalize_keras_zip(os.path.join(out, "shard.keras"))
    keras.saving.save_model(m, os.path.join(out, "shard_dir"), zipped=False)
    md = os.path.join(out, "shard_dir", "metadata.json")
    meta = json.load(open(md))
    meta["date_saved"] = "2020-01-01@00:00:00"
    json.dump(meta, open(md, "w"))
    cfg_path = os.path.join(out, "shard_dir", "config.json")
    with open(cfg_path, "rb") as fh:
        cfg = C._renumber_shared_ids(fh.read())
    with open(cfg_path, "wb") as fh:
        fh.write(cfg)
    shutil.copyfile(cfg_path, os.path.join(out, "shard.config.json"))
    with open(os.path.join(out, "shard.model.json"), "w") as fh:
        fh.write(m.to_json())
    saving_lib.save_model(m, os.path.join(out, "shard.npz.keras"), weights_format="npz")
    C.normalize_keras_zip(os.path.join(out, "shard.npz.keras"))
    # Keras' own loader on what it wrote.
    m2 = build_shard(keras)
    m2.load_weights(os.path.join(out, "shard.weights.json"))
    assert np.allclose(m2.predict(x, verbose=0), m.predict(x, verbose=0))
    npz_error = None
    try:
        keras.saving.load_model(os.path.join(out, "shard.npz.keras"))
    except Exception as e:  # noqa: BLE001 - recorded as Keras' own refusal
        npz_error = f"{type(e).__name__}: {e}"
    expected["shard"] = {
        "params": int(m.count_params()),
        "sharded": shard_facts(out, "shard.weights.json"),
        "stored": stored(os.path.join(out, "shard.weights.h5")),
        "npz_keras_load_error": npz_error,
    }

    # ---- Keras 2 pair: model.to_json() + save_weights("x.h5") with tf-keras
    k2 = build_shard(tf_keras)
    C.init_weights(k2, "keras2026/shard")
    with open(os.path.join(out, "k2.model.json"), "w") as fh:
        fh.write(k2.to_json())
    k2.save_weights(os.path.join(out, "k2-weights.h5"))
    C.save_npy(os.path.join(out, "k2.out0.npy"), k2.predict(x, verbose=0))

    # ---- legacy weights without keras_version: tf-keras' file with its version marks removed, and the same
    # weights under Keras 1 names (<layer>_W, <layer>_b …) as Keras 1's save_weights wrote them.
    nov = os.path.join(out, "noversion.weights.h5")
    shutil.copyfile(os.path.join(out, "k2-weights.h5"), nov)
    with h5py.File(nov, "a") as hf:
        for a in ("keras_version", "backend"):
            if a in hf.attrs:
                del hf.attrs[a]
    k1 = os.path.join(out, "keras1-names.weights.h5")
    with h5py.File(os.path.join(out, "k2-weights.h5"), "r") as src, C.h5_create_reproducible(k1) as dst:
        names = [n.decode() if isinstance(n, bytes) else n for n in src.attrs["layer_names"]]
        dst.attrs["layer_names"] = np.array([n.encode() for n in names])
        k1_names = {"kernel": "W", "bias": "b", "gamma": "gamma", "beta": "beta",
                    "moving_mean": "running_mean", "moving_variance": "running_std"}
        for n in names:
            g = group(dst, n)
            wn = [w.decode() if isinstance(w, bytes) else w for w in src[n].attrs["weight_names"]]
            new = []
            for w in wn:
                short = w.split("/")[-1].split(":")[0]
                nn = f"{n}_{k1_names[short]}"
                g.create_dataset(nn, data=src[n][w][()], track_times=False)
                new.append(nn.encode())
            g.attrs["weight_names"] = np.array(new, dtype="S") if new else np.array([], dtype="S1")

    # ---- half precision
    h = build_half(keras)
    C.init_weights(h, "keras2026/half")
    h.save(os.path.join(out, "half.keras"))
    C.normalize_keras_zip(os.path.join(out, "half.keras"))
    h.save_weights(os.path.join(out, "half.weights.h5"))
    f = build_half(keras, float32=True)
    f.set_weights([np.asarray(v, dtype=np.float32) for v in h.get_weights()])
    xh = C.rng_for("keras2026", "half", "in0").normal(0, 1, (2, 4, 4, 2)).astype(np.float32)
    C.save_npy(os.path.join(out, "half.in0.npy"), xh)
    C.save_npy(os.path.join(out, "half.out0.npy"), f.predict(xh, verbose=0))
    expected["half"] = {
        "params": int(h.count_params()),
        "stored": stored(os.path.join(out, "half.weights.h5")),
        "policies": {l.name: {"policy": l.dtype_policy.name, "variable_dtype": l.dtype_policy.variable_dtype,
                              "compute_dtype": l.dtype_policy.compute_dtype} for l in h.layers},
    }

    write_bad(out, out)
    C.dump_json(os.path.join(out, "expected.json"), expected)
