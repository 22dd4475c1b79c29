"""Shared helpers for the ConvScope Keras oracle (Fixtures/generate.py)."""
import hashlib
import io
import json
import os
import zipfile
import zlib

import numpy as np

SEED = 1234


def setup():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import logging
    import warnings
    warnings.filterwarnings("ignore")
    import tensorflow as tf
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass
    tf.config.experimental.enable_op_determinism()
    seed_all()


def seed_all(seed=SEED):
    import keras
    import tf_keras
    keras.utils.set_random_seed(seed)
    tf_keras.utils.set_random_seed(seed)


def rng_for(*key):
    s = "/".join(str(k) for k in key)
    return np.random.default_rng(zlib.crc32(s.encode()))


def f32(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32))


def save_npy(path, a):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, f32(a))


def dump_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1, allow_nan=False, default=_json_default)
        fh.write("\n")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, bytes):
        return o.decode("utf8", "replace")
    if isinstance(o, tuple):
        return list(o)
    if hasattr(o, "as_list"):  # a TensorShape (tf-keras MultiHeadAttention's query_shape …)
        return o.as_list()
    raise TypeError(repr(type(o)))


def tolist(x):
    return json.loads(json.dumps(x, default=_json_default))


# ----------------------------------------------------------------- weights
def short_weight_name(v):
    n = v.name
    n = n.split("/")[-1]
    return n.split(":")[0]


def leaf_layers(model):
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            out.extend(leaf_layers(layer))
        else:
            out.append(layer)
    return out


def weight_value(key, name, shape):
    """Deterministic, non-trivial value for a weight, keyed by (key, name)."""
    r = rng_for(key, name)
    shape = tuple(int(s) for s in shape)
    if "moving_variance" in name or "running_std" in name:
        return r.uniform(0.5, 2.0, shape)
    if "gamma" in name:
        return r.uniform(0.5, 1.5, shape)
    if "moving_mean" in name:
        return r.normal(0, 0.3, shape)
    if name in ("beta", "bias"):
        return r.normal(0, 0.1, shape)
    if name == "alpha":  # PReLU
        return r.uniform(0.05, 0.5, shape)
    if len(shape) >= 2:
        if name == "depthwise_kernel":
            fan_in = int(np.prod(shape[:2]))
        elif name == "embeddings":
            fan_in = 1
        else:
            fan_in = int(np.prod(shape[:-1]))
        return r.normal(0, np.sqrt(2.0 / fan_in), shape)
    return r.normal(0, 0.5, shape)


def init_weights(model, key):
    """Set every weight of every (nested) layer from seeded numpy values.

    Keyed by (key, layer name, short weight name) so a Keras 3 and a tf-keras
    build of the same architecture with the same layer names get identical
    weights."""
    for layer in leaf_layers(model):
        ws = layer.weights
        if not ws:
            continue
        vals = []
        for v in ws:
            n = short_weight_name(v)
            if layer.__class__.__name__ == "DepthwiseConv2D" and n == "kernel":
                n = "depthwise_kernel"  # Keras 3 calls it kernel, tf-keras depthwise_kernel
            if layer.__class__.__name__ == "MultiHeadAttention":  # query/kernel, key/kernel …: distinct values
                n = "/".join(getattr(v, "path", v.name).split(":")[0].split("/")[-2:])
            vals.append(weight_value(f"{key}/{layer.name}", n, v.shape))
        layer.set_weights([np.asarray(v, dtype=np.float32) for v in vals])


# ----------------------------------------------------------------- h5
def attr_type(obj, name):
    """Describe the HDF5 type of an attribute: e.g. 'vlen-str-utf8',
    'fixed-str-ascii[5]', 'array<vlen-str-utf8>[7]', 'array<float64>[0]'."""
    import h5py
    aid = obj.attrs.get_id(name)
    t = aid.get_type()
    space = aid.get_space()
    dims = space.shape
    def tdesc(t):
        if isinstance(t, h5py.h5t.TypeStringID):
            cset = "utf8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"
            if t.is_variable_str():
                return f"vlen-str-{cset}"
            return f"fixed-str-{cset}[{t.get_size()}]"
        return str(np.dtype(aid.dtype))
    base = tdesc(t)
    if dims == ():
        return base
    return f"array<{base}>{list(dims)}"


def h5_attr_str(v):
    if isinstance(v, bytes):
        return v.decode("utf8")
    if isinstance(v, np.bytes_):
        return bytes(v).decode("utf8")
    return str(v)


def load_attr_list(group, name):
    """Keras' load_attributes_from_hdf5_group (handles name0, name1, ...)."""
    if name in group.attrs:
        data = [h5_attr_str(x) for x in group.attrs[name]]
    else:
        data = []
        i = 0
        while f"{name}{i}" in group.attrs:
            data.extend(h5_attr_str(x) for x in group.attrs[f"{name}{i}"])
            i += 1
    return data


def legacy_weights(path):
    """Weights of a legacy (full model or weights-only) h5 in stored order."""
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        g = f["model_weights"] if "model_weights" in f else f
        for lname in load_attr_list(g, "layer_names"):
            lg = g[lname]
            for wname in load_attr_list(lg, "weight_names"):
                out.append({"layer": lname, "name": wname,
                            "shape": list(lg[wname].shape)})
    return out


def keras3_weights_file(path_or_file):
    """Datasets of a Keras 3 .weights.h5 in h5py (alphabetical) order."""
    import h5py
    out = []
    with h5py.File(path_or_file, "r") as f:
        def v(name, o):
            if isinstance(o, h5py.Dataset):
                parent = o.parent
                out.append({"path": name, "shape": list(o.shape),
                            "layer_name_attr": h5_attr_str(parent.attrs["name"]) if "name" in parent.attrs else None})
        f.visititems(v)
    return out


def root_attr_types(path):
    import h5py
    with h5py.File(path, "r") as f:
        d = {k: attr_type(f, k) for k in f.attrs}
        if "model_weights" in f:
            d.update({"model_weights/" + k: attr_type(f["model_weights"], k)
                      for k in f["model_weights"].attrs})
        return d


# ----------------------------------------------------------------- zip
FIXED_DATE = (2020, 1, 1, 0, 0, 0)


def normalize_keras_zip(path):
    """Make a .keras archive reproducible: fixed entry dates and a fixed
    metadata.json date_saved (Keras writes the current time)."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info, data in entries:
            if info.filename == "config.json":
                data = _renumber_shared_ids(data)
            if info.filename == "metadata.json":
                meta = json.loads(data)
                if "date_saved" in meta:
                    meta["date_saved"] = "2020-01-01@00:00:00"
                data = json.dumps(meta).encode()
            ni = zipfile.ZipInfo(info.filename, FIXED_DATE)
            ni.compress_type = info.compress_type
            ni.external_attr = info.external_attr
            z.writestr(ni, data)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def _renumber_shared_ids(data):
    """Keras writes Python id()s as shared_object_id; renumber them 1, 2, ...
    in order of first appearance (sharing structure preserved)."""
    import re
    mapping = {}
    def sub(m):
        v = m.group(1)
        if v not in mapping:
            mapping[v] = str(len(mapping) + 1)
        return '"shared_object_id": ' + mapping[v]
    return re.sub(r'"shared_object_id": (\d+)', sub, data.decode()).encode()


def h5_create_reproducible(path, libver=("v108", "v108")):
    """An h5py File with a newer format whose root group carries no
    timestamps (so the bytes are reproducible)."""
    import h5py
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_V18, h5py.h5f.LIBVER_V18)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl)
    return h5py.File(fid)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        h.update(fh.read())
    return h.hexdigest()


# ----------------------------------------------------------------- layer info
def _shape(s):
    return [None if d is None else int(d) for d in list(s)[1:]]


def layer_info_k3(model):
    """[{name, class_name, output_shape, params, inbound, calls}] for a Keras 3 model."""
    fn = model._functional if hasattr(model, "_functional") and model._functional is not None else model
    nodes = getattr(fn, "_nodes", None)
    res = []
    for layer in model.layers:
        from keras.src.ops.function import make_node_key
        mine = [n for i, n in enumerate(layer._inbound_nodes)
                if nodes is None or make_node_key(layer, i) in nodes]
        inbound = []
        for n in mine:
            for p in n.parent_nodes:
                nm = p.operation.name
                if nm not in inbound:
                    inbound.append(nm)
        outs = mine[0].outputs if mine else []
        if len(outs) == 1:
            osh = _shape(outs[0].shape)
        else:
            osh = [_shape(o.shape) for o in outs]
        res.append({"name": layer.name, "class_name": layer.__class__.__name__,
                    "output_shape": osh, "params": int(layer.count_params()),
                    "inbound": inbound, "calls": len(mine)})
    return res


def layer_info_tfk(model):
    nodes = getattr(model, "_network_nodes", None)
    res = []
    for layer in model.layers:
        mine = [n for i, n in enumerate(layer._inbound_nodes)
                if nodes is None or f"{layer.name}_ib-{i}" in nodes]
        inbound = []
        for n in mine:
            il = n.inbound_layers
            il = il if isinstance(il, (list, tuple)) else [il]
            for p in il:
                if p.name not in inbound:
                    inbound.append(p.name)
        outs = []
        if mine:
            o = mine[0].outputs
            outs = o if isinstance(o, (list, tuple)) else [o]
        if len(outs) == 1:
            osh = _shape(outs[0].shape)
        else:
            osh = [_shape(o.shape) for o in outs]
        res.append({"name": layer.name, "class_name": layer.__class__.__name__,
                    "output_shape": osh, "params": int(layer.count_params()),
                    "inbound": inbound, "calls": len(mine)})
    return res


def param_counts(model):
    import numpy as _np
    tr = int(sum(int(_np.prod(v.shape)) for v in model.trainable_weights))
    nt = int(sum(int(_np.prod(v.shape)) for v in model.non_trainable_weights))
    total = int(model.count_params())
    assert total == tr + nt, (total, tr, nt)
    return {"total_params": total, "trainable_params": tr, "non_trainable_params": nt}
