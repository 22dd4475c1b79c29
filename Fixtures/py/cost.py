"""Issue 20: what a forward pass costs, computed here by this file's own formulas over Keras' layer
configs and the shapes Keras infers — MACs, other ops, activation bytes, receptive fields and the peak
of live activations in the executor's release order (docs/cost.md states the rules) — for the paper's
Conv and Vonc, VGG16 and ResNet50 (keras.applications, weights=None: only shapes matter), two Conv1D
models and two recurrent models of the committed fixtures. Writes Fixtures/cost/expected.json.
"""
import math
import os

from . import common as C
from . import models as M

BYTES = 4  # float32
BATCHES = (1, 8)


def _per_sample(t):
    return [int(d) for d in list(t.shape)[1:]]


def _prod(xs):
    return int(math.prod(xs))


def _key(t):
    """A tensor by the layer that made it and which of its outputs it is (a legacy Sequential's
    `layer.input` and `layer.output` may come from different calls of its rebuilt graph)."""
    h = t._keras_history
    return (h.operation.name, h.tensor_index)


def _flat(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _tensors_in(layer):
    return _flat(layer.input)


def _tensors_out(layer):
    return _flat(layer.output)


def _act_ops(cfg):
    a = cfg.get("activation", "linear")
    return 0 if a in (None, "linear") else 1


def _ops(layer):
    """(macs, other_ops) of one sample through `layer`."""
    cls, cfg = layer.__class__.__name__, layer.get_config()
    ins = [_per_sample(t) for t in _tensors_in(layer)]
    out = _per_sample(_tensors_out(layer)[0])
    n_out = _prod(out)
    if cls == "InputLayer" or cls in ("Dropout", "Flatten", "ZeroPadding2D", "ZeroPadding1D"):
        return 0, 0
    if cls in ("Conv1D", "Conv2D"):
        k = _prod(cfg["kernel_size"])
        cin = ins[0][-1]
        macs = _prod(out[:-1]) * k * (cin // cfg.get("groups", 1)) * cfg["filters"]
        return macs, (int(cfg["use_bias"]) + _act_ops(cfg)) * n_out
    if cls == "Dense":
        return _prod(ins[0]) * cfg["units"], (int(cfg["use_bias"]) + _act_ops(cfg)) * n_out
    if cls in ("MaxPooling1D", "MaxPooling2D", "AveragePooling2D"):
        return 0, n_out * _prod(cfg["pool_size"])
    if cls in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return 0, _prod(ins[0])
    if cls == "BatchNormalization":
        return 0, 2 * n_out
    if cls == "Activation":
        return 0, _act_ops(cfg) * n_out
    if cls == "Add":
        return 0, (len(ins) - 1) * n_out
    if cls in ("LSTM", "GRU", "SimpleRNN"):
        gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[cls]
        steps, features, units = ins[0][0], ins[0][-1], cfg["units"]
        return steps * (features * gates * units + units * gates * units), steps * 2 * gates * units
    raise ValueError(f"cost.py has no rule for {cls} ({layer.name})")


def _field(layer, fields):
    """(size, stride, start) per spatial axis of the output's receptive field, or None."""
    cls, cfg = layer.__class__.__name__, layer.get_config()
    ins = _tensors_in(layer)
    if cls == "InputLayer":
        s = _per_sample(_tensors_out(layer)[0])
        n = len(s) - 1
        return ([1] * n, [1] * n, [0] * n) if n >= 1 else None
    srcs = [fields.get(_key(t)) for t in ins]
    if cls in ("Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling2D"):
        f = srcs[0]
        if f is None:
            return None
        size, stride, start = f
        k = cfg.get("kernel_size", cfg.get("pool_size"))
        s = cfg["strides"] if cfg.get("strides") is not None else k
        d = cfg.get("dilation_rate", [1] * len(k))
        d = [d] * len(k) if isinstance(d, int) else d
        n_in = _per_sample(ins[0])[:-1]
        new = ([], [], [])
        for a in range(len(k)):
            ext = (k[a] - 1) * d[a] + 1
            if cfg["padding"] == "valid":
                pad = 0
            elif cfg["padding"] == "causal":
                pad = ext - 1
            else:
                out_len = -(-n_in[a] // s[a])
                pad = max((out_len - 1) * s[a] + ext - n_in[a], 0) // 2
            new[0].append(size[a] + (ext - 1) * stride[a])
            new[1].append(stride[a] * s[a])
            new[2].append(start[a] - pad * stride[a])
        return new
    if cls in ("ZeroPadding2D", "ZeroPadding1D"):
        f = srcs[0]
        if f is None:
            return None
        p = cfg["padding"]
        before = [p[0]] if cls == "ZeroPadding1D" else [p[0][0], p[1][0]]
        return (f[0], f[1], [st - b * j for st, b, j in zip(f[2], before, f[1])])
    if cls in ("BatchNormalization", "Activation", "Dropout"):
        return srcs[0]
    if cls == "Dense":
        return srcs[0] if len(_per_sample(ins[0])) >= 2 else None
    if cls == "Add":
        if any(f is None for f in srcs) or any(f[1] != srcs[0][1] for f in srcs):
            return None
        n = len(srcs[0][0])
        lo = [min(f[2][a] for f in srcs) for a in range(n)]
        hi = [max(f[2][a] + f[0][a] for f in srcs) for a in range(n)]
        return ([h - l for h, l in zip(hi, lo)], srcs[0][1], lo)
    return None


def _layers_in_order(model):
    """(layer, is_input) in execution order: Sequential's input first, then model.layers."""
    order = []
    if not any(l.__class__.__name__ == "InputLayer" for l in model.layers):
        for t in model.inputs:
            order.append(t._keras_history.operation)
    return order + list(model.layers)


def analyze(model):
    layers, totals = {}, {}
    order = _layers_in_order(model)
    fields, consumers = {}, {}
    needed_outputs = {_key(t) for t in model.outputs}
    for layer in order:
        if layer.__class__.__name__ != "InputLayer":
            for t in _tensors_in(layer):
                consumers.setdefault(_key(t), []).append(layer.name)
    input_ids = {_key(t) for t in model.inputs}
    sample = {}
    for layer in order:
        macs, other = _ops(layer)
        f = _field(layer, fields)
        outs = _tensors_out(layer)
        fields[_key(outs[0])] = f
        nbytes = sum(_prod(_per_sample(t)) * BYTES for t in outs)
        sample[layer.name] = (macs, other, nbytes)
        layers[layer.name] = {
            "class_name": layer.__class__.__name__, "macs": macs, "other_ops": other, "activation_bytes": nbytes,
            "receptive_field": None if f is None else {"size": f[0], "stride": f[1]},
        }
    # The peak: the inputs alive throughout; a layer's outputs (the first always, further ones when
    # used) allocated when it runs; a tensor freed after its last consumer, the model's outputs never.
    peak = 0
    live = sum(_prod(_per_sample(t)) * BYTES for t in model.inputs)
    peak = live
    remaining = {k: len(v) for k, v in consumers.items()}
    alive = set()
    sizes = {}
    for layer in order:
        if layer.__class__.__name__ == "InputLayer":
            continue
        outs = _tensors_out(layer)
        made = [outs[0]] + [t for t in outs[1:] if _key(t) in consumers or _key(t) in needed_outputs]
        for t in made:
            sizes[_key(t)] = _prod(_per_sample(t)) * BYTES
            live += sizes[_key(t)]
            alive.add(_key(t))
        peak = max(peak, live)
        for t in _tensors_in(layer):
            remaining[_key(t)] -= 1
            if remaining[_key(t)] == 0 and _key(t) not in needed_outputs and _key(t) not in input_ids and _key(t) in alive:
                alive.discard(_key(t))
                live -= sizes[_key(t)]
        for t in made:
            if _key(t) not in consumers and _key(t) not in needed_outputs and _key(t) in alive:
                alive.discard(_key(t))
                live -= sizes[_key(t)]
    for b in BATCHES:
        totals[str(b)] = {
            "macs": b * sum(v[0] for v in sample.values()),
            "other_ops": b * sum(v[1] for v in sample.values()),
            "activation_bytes": b * sum(v[2] for v in sample.values()),
            "peak_activation_bytes": b * peak,
        }
    return {"layers": layers, "totals": totals}


def generate(out):
    import keras
    d = os.path.join(out, "cost")
    os.makedirs(d, exist_ok=True)
    built = {
        "conv": lambda: M.build_conv(keras, (32, 32, 64, 64, 128, 128), 1024, 1000, "conv"),
        "vonc": lambda: M.build_vonc(keras),
        "vgg16": lambda: keras.applications.VGG16(weights=None),
        "resnet50": lambda: keras.applications.ResNet50(weights=None),
    }
    files = {
        "conv1d_same_s2": "layers/conv1d_same_s2.h5",
        "conv1d_causal_dil2": "layers/conv1d_causal_dil2.h5",
        "seq2seq": "sequences/seq2seq.h5",
        "gru_state_dense": "sequences/gru_state_dense.h5",
    }
    result = {}
    for name, build in built.items():
        keras.backend.clear_session()
        result[name] = {"source": "zoo:" + name, **analyze(build())}
    for name, rel in files.items():
        keras.backend.clear_session()
        m = keras.models.load_model(os.path.join(out, rel), compile=False)
        result[name] = {"source": rel, **analyze(m)}
    C.dump_json(os.path.join(d, "expected.json"), {"bytes_per_element": BYTES, "batches": list(BATCHES), "models": result})
