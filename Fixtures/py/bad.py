"""Hostile / broken inputs (Fixtures/bad/)."""
import json
import os
import shutil
import struct
import zipfile
import zlib

import h5py
import numpy as np

from . import common as C

D8 = (2020, 1, 1, 0, 0, 0)


def _copy(src, dst):
    shutil.copyfile(src, dst)
    return dst


def _keras_zip_parts(out):
    src = os.path.join(out, "formats", "tiny.keras3.keras")
    with zipfile.ZipFile(src) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_zip(path, entries):
    """entries: [(name, bytes, external_attr or None)]"""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, ext in entries:
            zi = zipfile.ZipInfo(name, D8)
            zi.compress_type = zipfile.ZIP_DEFLATED
            if ext is not None:
                zi.create_system = 3
                zi.external_attr = ext
                zi.compress_type = zipfile.ZIP_STORED
            z.writestr(zi, data)


def _zipbomb(path, parts):
    """A .keras whose model.weights.h5 entry declares 100 GiB uncompressed
    (zip64 extra field) while its deflate data is 1 MiB of zeros."""
    real = b"\0" * (1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = co.compress(real) + co.flush()
    claimed = 100 * (1 << 30)
    crc = zlib.crc32(real)
    dos_time, dos_date = 0, (2020 - 1980) << 9 | 1 << 5 | 1
    out = bytearray()
    central = bytearray()
    entries = [("metadata.json", parts["metadata.json"], None),
               ("config.json", parts["config.json"], None),
               ("model.weights.h5", comp, (claimed, crc))]
    for name, data, bomb in entries:
        nb = name.encode()
        off = len(out)
        if bomb is None:
            co2 = zlib.compressobj(9, zlib.DEFLATED, -15)
            cdata = co2.compress(data) + co2.flush()
            c, u, cr = len(cdata), len(data), zlib.crc32(data)
            extra = b""
            csz, usz, ver = c, u, 20
        else:
            cdata = data
            c, u, cr = len(cdata), bomb[0], bomb[1]
            extra = struct.pack("<HHQQ", 1, 16, u, c)
            csz, usz, ver = 0xFFFFFFFF, 0xFFFFFFFF, 45
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, ver, 0, 8, dos_time, dos_date,
                           cr, csz, usz, len(nb), len(extra)) + nb + extra + cdata
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, ver, ver, 0, 8,
                               dos_time, dos_date, cr, csz, usz, len(nb), len(extra),
                               0, 0, 0, 0, off) + nb + extra
    cd_off = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                       len(central), cd_off, 0)
    with open(path, "wb") as fh:
        fh.write(out)
    return claimed


def generate(out, tiny_weights):
    d = os.path.join(out, "bad")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(out, "formats", "tiny.keras3.h5")
    cases = {}

    p = os.path.join(d, "empty.h5")
    open(p, "wb").close()
    cases["empty.h5"] = "zero-byte file"

    p = os.path.join(d, "text.h5")
    with open(p, "w") as fh:
        fh.write("This is not an HDF5 file.\n")
    cases["text.h5"] = "plain text with an .h5 name"

    p = os.path.join(d, "truncated.h5")
    data = open(src, "rb").read()
    with open(p, "wb") as fh:
        fh.write(data[: len(data) // 2])
    cases["truncated.h5"] = f"first {len(data)//2} of {len(data)} bytes of formats/tiny.keras3.h5"

    p = os.path.join(d, "missing_model_weights.h5")
    with h5py.File(src, "r") as s, h5py.File(p, "w") as f:
        for k, v in s.attrs.items():
            f.attrs[k] = v
    cases["missing_model_weights.h5"] = "root attrs of tiny.keras3.h5 (model_config etc.) but no model_weights group"

    p = _copy(src, os.path.join(d, "bad_json.h5"))
    with h5py.File(p, "a") as f:
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": {"layers": [ not json'
    cases["bad_json.h5"] = "tiny.keras3.h5 with model_config that is not valid JSON"

    p = os.path.join(d, "hostile_json.h5")
    depth = 100000
    with h5py.File(src, "r") as s, C.h5_create_reproducible(p) as f:
        for k, v in s.attrs.items():
            f.attrs[k] = v
        f.attrs["model_config"] = '{"class_name": "Sequential", "config": ' + "[" * depth + "]" * depth + "}"
        s.copy("model_weights", f)
    cases["hostile_json.h5"] = (f"tiny.keras3.h5 with model_config nested {depth} levels deep "
                                "(JSON arrays, 200 kB attribute stored with dense attribute storage, libver v108)")

    p = _copy(src, os.path.join(d, "unknown_class.h5"))
    with h5py.File(p, "a") as f:
        cfg = json.loads(f.attrs["model_config"])
        for l in cfg["config"]["layers"]:
            if l["class_name"] == "Dropout":
                l["class_name"] = "FancyLayer"
                l["module"] = "my_package.layers"
        f.attrs["model_config"] = json.dumps(cfg)
    cases["unknown_class.h5"] = "tiny.keras3.h5 whose Dropout layer has class_name FancyLayer (module my_package.layers)"

    def edit_conv1(name, change, what):
        p = _copy(src, os.path.join(d, name))
        with h5py.File(p, "a") as f:
            cfg = json.loads(f.attrs["model_config"])
            for l in cfg["config"]["layers"]:
                if l["config"].get("name") == "conv1":
                    change(l["config"])
            f.attrs["model_config"] = json.dumps(cfg)
        cases[name] = what

    edit_conv1("unknown_setting.h5", lambda c: c.update(kernal_size=5),
               "tiny.keras3.h5 whose conv1 config also has 'kernal_size': 5, a key Keras never writes (warned, ignored)")
    edit_conv1("wrong_type.h5", lambda c: c.update(filters="four"),
               "tiny.keras3.h5 whose conv1 config has 'filters': \"four\" (listed, refused when run)")

    p = _copy(src, os.path.join(d, "shape_mismatch.h5"))
    with h5py.File(p, "a") as f:
        del f["model_weights/conv1/tiny/conv1/kernel"]
        f["model_weights/conv1/tiny/conv1"].create_dataset(
            "kernel", data=np.ones((3, 3, 4, 4), np.float32))
    cases["shape_mismatch.h5"] = "tiny.keras3.h5 with conv1 kernel stored as (3,3,4,4) instead of (3,3,3,4)"

    p = _copy(src, os.path.join(d, "softlink.h5"))
    with h5py.File(p, "a") as f:
        f.move("model_weights/conv1/tiny/conv1/kernel", "elsewhere_kernel")
        f["model_weights/conv1/tiny/conv1/kernel"] = h5py.SoftLink("/elsewhere_kernel")
    cases["softlink.h5"] = "tiny.keras3.h5 where model_weights/conv1/tiny/conv1/kernel is a soft link to /elsewhere_kernel (values intact)"

    p = _copy(src, os.path.join(d, "extlink.h5"))
    with h5py.File(p, "a") as f:
        del f["model_weights/conv1/tiny/conv1/kernel"]
        f["model_weights/conv1/tiny/conv1/kernel"] = h5py.ExternalLink(
            "../formats/tiny.keras3.h5", "/model_weights/conv1/tiny/conv1/kernel")
    cases["extlink.h5"] = "tiny.keras3.h5 where conv1 kernel is an external link to ../formats/tiny.keras3.h5"

    parts = _keras_zip_parts(out)
    p = os.path.join(d, "traversal.keras")
    _write_zip(p, [("metadata.json", parts["metadata.json"], None),
                   ("config.json", parts["config.json"], None),
                   ("model.weights.h5", parts["model.weights.h5"], None),
                   ("../evil.txt", b"should never be written outside the extraction dir\n", None)])
    cases["traversal.keras"] = "valid tiny .keras plus an entry named ../evil.txt"

    p = os.path.join(d, "zipbomb.keras")
    claimed = _zipbomb(p, parts)
    cases["zipbomb.keras"] = (f"metadata.json, config.json of tiny, and model.weights.h5 declared as {claimed} bytes "
                              "uncompressed (zip64 extra field; sizes 0xFFFFFFFF in the headers) whose deflate data "
                              "is 1 MiB of zeros")

    p = os.path.join(d, "symlink.keras")
    _write_zip(p, [("metadata.json", parts["metadata.json"], None),
                   ("config.json", parts["config.json"], None),
                   ("model.weights.h5", b"/etc/passwd", 0o120777 << 16)])
    cases["symlink.keras"] = "tiny .keras whose model.weights.h5 entry is a unix symlink to /etc/passwd"

    # what the real Keras 3 does with each (for information)
    import keras
    res = {}
    for name in sorted(cases):
        pp = os.path.join(d, name)
        try:
            keras.models.load_model(pp, compile=False)
            r = "loaded"
        except BaseException as e:  # noqa
            r = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        res[name] = {"description": cases[name], "keras3_load_model": r,
                     "size_bytes": os.path.getsize(pp)}
    ev = os.path.join(out, "evil.txt")
    if os.path.exists(ev):
        res["traversal.keras"]["note"] = "keras wrote evil.txt outside!"
        os.remove(ev)
    C.dump_json(os.path.join(d, "cases.json"), res)
