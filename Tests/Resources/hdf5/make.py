"""Regenerates the tiny HDF5 fixtures used by HDF5Tests.swift.

Run from this directory with the pinned venv (Fixtures/requirements.txt):
    python make.py
Every file stays well under 50 KB; the Swift tests never call Python.
"""
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def fixed_string_attr(obj, name, values, pad):
    """Writes a fixed-length ASCII string attribute with an explicit padding rule."""
    data = np.asarray(values, dtype="S")
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(max(1, data.dtype.itemsize))
    tid.set_strpad(pad)
    if data.ndim == 0:
        space = h5py.h5s.create(h5py.h5s.SCALAR)
    else:
        space = h5py.h5s.create_simple(data.shape)
    if pad == h5py.h5t.STR_SPACEPAD:
        width = data.dtype.itemsize
        data = np.asarray([v.ljust(width, b" ") for v in data.reshape(-1)], dtype=data.dtype).reshape(data.shape)
    attr = h5py.h5a.create(obj.id, name.encode(), tid, space)
    attr.write(np.ascontiguousarray(data), mtype=tid)


def make_attributes():
    with h5py.File(path("attributes.h5"), "w") as f:
        # Keras 2.2.4 style: bytes -> NumPy |S arrays/scalars (fixed length, null padded).
        f.attrs["layer_names"] = np.asarray([b"input_1", b"conv2d_1", b"dense"])
        f.attrs["keras_version"] = np.bytes_(b"2.2.4")
        # h5py/Keras 3 style: Python str -> variable-length UTF-8.
        f.attrs["backend"] = "tensorflow"
        f.attrs["vlen_names"] = np.array(["alpha", "béta", "γ"], dtype=h5py.string_dtype("utf-8"))
        # An empty list becomes float64 with shape (0,).
        f.attrs["weight_names"] = np.asarray([])
        f.attrs["int_scalar"] = np.int32(-7)
        f.attrs["int_array"] = np.array([1, 2, 3], dtype=np.int64)
        f.attrs["uint_array"] = np.array([250, 251], dtype=np.uint8)
        f.attrs["double_scalar"] = 2.5
        f.attrs["float_array"] = np.array([0.5, -1.25], dtype=np.float32)
        fixed_string_attr(f, "space_padded", [b"ab", b"abcd"], h5py.h5t.STR_SPACEPAD)
        fixed_string_attr(f, "null_terminated", b"xyz", h5py.h5t.STR_NULLTERM)
        # Keras splits attributes bigger than 64,512 bytes into name0, name1, ...
        g = f.create_group("split")
        g.attrs["layer_names0"] = np.asarray([b"a", b"b"])
        g.attrs["layer_names1"] = np.asarray([b"c"])
        g.attrs["layer_names2"] = np.asarray([b"d", b"e"])


def make_numeric():
    with h5py.File(path("numeric.h5"), "w") as f:
        base = np.arange(6).reshape(2, 3)
        f["f16"] = (base / 4).astype(np.float16)
        f["f32_rank0"] = np.float32(3.5)
        f["f32_rank1"] = np.arange(4, dtype=np.float32)
        f["f32_rank4"] = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) / 8
        f["f64"] = base.astype(np.float64) * 1.5
        for t in ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]:
            f[t] = base.astype(t)
        f["big_endian_f32"] = base.astype(">f4")
        f["empty"] = np.zeros((0, 3), dtype=np.float32)
        f["vlen_strings"] = np.array(["a", "bc"], dtype=h5py.string_dtype("utf-8"))
        f["compound"] = np.zeros(2, dtype=[("a", "i4"), ("b", "f4")])
        f.create_dataset("rows", data=np.arange(40, dtype=np.float32).reshape(10, 4),
                         chunks=(3, 4), compression="gzip", shuffle=True, fletcher32=True)
        # A user-defined filter id (blosc = 32001), marked optional so HDF5 accepts it without the plugin.
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((2,))
        dcpl.set_filter(32001, h5py.h5z.FLAG_OPTIONAL)
        space = h5py.h5s.create_simple((4,))
        h5py.h5d.create(f.id, b"custom_filter", h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
        # Raw data kept in another file: readers must notice before touching it.
        with open(path("external.bin"), "wb") as raw:
            raw.write(np.arange(4, dtype="<f4").tobytes())
        f.create_dataset("external", shape=(4,), dtype="<f4", external=[("external.bin", 0, 16)])


def make_links():
    with h5py.File(path("links.h5"), "w") as f:
        g = f.create_group("g")
        g["data"] = np.arange(3, dtype=np.float32)
        g.create_group("sub")
        g["soft"] = h5py.SoftLink("/g/data")
        g["dangling"] = h5py.SoftLink("/nowhere")
        g["ext"] = h5py.ExternalLink("numeric.h5", "/f32_rank1")
        g["sub/back"] = g  # hard link back to an ancestor: a cycle
        f["also_g"] = g    # second hard link to the same group


def make_user_block():
    """Variable-length strings in a file whose HDF5 data starts after a 1 KiB user block:
    file addresses (the heap addresses inside string descriptors) are relative to the superblock."""
    with h5py.File(path("userblock.h5"), "w", userblock_size=1024) as f:
        f.attrs["keras_version"] = "3.15.1"
        f.attrs["layer_names"] = ["conv", "dense"]
        f.create_group("conv").attrs["name"] = "héllo"


def make_keras():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential([
        keras.Input((4, 4, 1)),
        keras.layers.Conv2D(2, 3, name="conv"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(2, name="dense"),
    ])
    model.save(path("keras3_tiny.h5"))


if __name__ == "__main__":
    make_attributes()
    make_numeric()
    make_links()
    make_user_block()
    make_keras()
