"""Issue 15, Keras 1 slice: Keras 1.2 files of convolutions and pooling (Convolution1D/2D/3D,
AtrousConvolution1D/2D, Keras 1 pooling), written with h5py as Keras 1.2 wrote them — Keras 1 cannot be
installed — from a Keras 3 model with the same math: the config rewritten to Keras 1 keys (`nb_filter`,
`border_mode`, `dim_ordering` …), the kernels laid out as Keras 1 stored them ((out, in, window…) for
`dim_ordering: "th"`, (length, 1, in, out) for Convolution1D) and spatially flipped for the Theano backend.
Recurrent layers (SimpleRNN, LSTM, GRU) are written with Keras 1's per-gate W_x, U_x, b_x triples (in Keras 1's
`trainable_weights` order: LSTM i, c, f, o; GRU z, r, h) or, with `consume_less: "gpu"`, one W, U, b in Keras 2's
gate order; the functional `Merge` of every mode as a Keras 1 `Model` config with 3-element inbound nodes.
The expected outputs are the Keras 3 model's on the same input."""
import json
import os

import h5py
import numpy as np

from . import common as C
from .formats import fixed


def k1_kernel(k, th, theano):
    """A Keras 3 (window…, in, out) kernel as Keras 1 stored it."""
    w = np.asarray(k)
    window = w.ndim - 2
    if theano:
        w = w[tuple(slice(None, None, -1) for _ in range(window))]
    if th:
        w = np.transpose(w, (w.ndim - 1, w.ndim - 2) + tuple(range(window)))
    return np.ascontiguousarray(w)


def conv_weights(layer, th, theano, one_d=False):
    k, *rest = [np.asarray(v) for v in layer.get_weights()]
    kk = k1_kernel(k, th, theano)
    if one_d:  # Keras 1 Convolution1D: (length, 1, in, out)
        kk = kk.reshape(k.shape[0], 1, k.shape[1], k.shape[2])
    return [("W", kk)] + ([("b", rest[0])] if rest else [])


def chain(keras, name, shape, layers):
    """A Keras 3 model applying `layers` one after another to an input of `shape`."""
    x = keras.Input(shape)
    y = x
    for l in layers:
        y = l(y)
    return keras.Model(x, y, name=name)


def models(keras):
    """[(name, backend, Keras 3 model, [(Keras 1 class, Keras 1 config, weights(layer) → [(suffix, array)])])]"""
    L, cf = keras.layers, "channels_first"
    out = []

    seq = lambda name, shape, layers: chain(keras, name, shape, layers)
    # TensorFlow backend, steps × channels (Keras 1's Convolution1D has no dim_ordering).
    m = seq("k1_conv1d", (10, 3), [L.Conv1D(4, 3, padding="same", activation="relu"), L.MaxPooling1D(2),
                                    L.Conv1D(2, 2, dilation_rate=2), L.Flatten(), L.Dense(3)])
    out.append(("k1_conv1d", "tensorflow", m, [
        ("Convolution1D", {"nb_filter": 4, "filter_length": 3, "border_mode": "same", "subsample_length": 1,
                           "activation": "relu", "bias": True, "init": "glorot_uniform", "W_regularizer": None,
                           "input_dim": 3, "input_length": 10, "batch_input_shape": [None, 10, 3]},
         lambda l: conv_weights(l, False, False, one_d=True)),
        ("MaxPooling1D", {"pool_length": 2, "stride": None, "border_mode": "valid"}, None),
        ("AtrousConvolution1D", {"nb_filter": 2, "filter_length": 2, "atrous_rate": 2, "border_mode": "valid",
                                 "subsample_length": 1, "activation": "linear", "bias": True},
         lambda l: conv_weights(l, False, False, one_d=True)),
        ("Flatten", {}, None),
        ("Dense", {"output_dim": 3, "activation": "linear", "bias": True, "input_dim": None}, "dense"),
    ]))
    # Theano backend, dim_ordering th: dilated, pooled, strided 2-D convolutions.
    m = seq("k1_atrous_th", (3, 12, 11), [
        L.Conv2D(4, 3, dilation_rate=2, padding="same", activation="tanh", data_format=cf),
        L.AveragePooling2D(2, padding="same", data_format=cf),
        L.Conv2D(5, (3, 2), strides=(2, 1), use_bias=False, data_format=cf),
        L.GlobalAveragePooling2D(data_format=cf), L.Dense(2, activation="softmax")])
    out.append(("k1_atrous_th", "theano", m, [
        ("AtrousConvolution2D", {"nb_filter": 4, "nb_row": 3, "nb_col": 3, "atrous_rate": [2, 2], "border_mode": "same",
                                 "subsample": [1, 1], "dim_ordering": "th", "activation": "tanh", "bias": True,
                                 "batch_input_shape": [None, 3, 12, 11], "input_dtype": "float32"},
         lambda l: conv_weights(l, True, True)),
        ("AveragePooling2D", {"pool_size": [2, 2], "strides": None, "border_mode": "same", "dim_ordering": "th"}, None),
        ("Convolution2D", {"nb_filter": 5, "nb_row": 3, "nb_col": 2, "subsample": [2, 1], "border_mode": "valid",
                           "dim_ordering": "th", "activation": "linear", "bias": False},
         lambda l: conv_weights(l, True, True)),
        ("GlobalAveragePooling2D", {"dim_ordering": "th"}, None),
        ("Dense", {"output_dim": 2, "activation": "softmax", "bias": True}, "dense"),
    ]))
    # Theano backend, 3-D.
    m = seq("k1_conv3d_th", (2, 6, 7, 5), [
        L.Conv3D(3, (2, 3, 2), padding="same", activation="relu", data_format=cf),
        L.MaxPooling3D(2, data_format=cf), L.Flatten(), L.Dense(3)])
    out.append(("k1_conv3d_th", "theano", m, [
        ("Convolution3D", {"nb_filter": 3, "kernel_dim1": 2, "kernel_dim2": 3, "kernel_dim3": 2, "subsample": [1, 1, 1],
                           "border_mode": "same", "dim_ordering": "th", "activation": "relu", "bias": True,
                           "batch_input_shape": [None, 2, 6, 7, 5], "input_dtype": "float32"},
         lambda l: conv_weights(l, True, True)),
        ("MaxPooling3D", {"pool_size": [2, 2, 2], "strides": None, "border_mode": "valid", "dim_ordering": "th"}, None),
        ("Flatten", {}, None),
        ("Dense", {"output_dim": 3, "activation": "linear", "bias": True}, "dense"),
    ]))
    # TensorFlow backend with dim_ordering th: (out, in, kh, kw) kernels, not flipped.
    m = seq("k1_conv2d_tf_th", (3, 8, 7), [
        L.Conv2D(3, 3, padding="same", activation="relu", data_format=cf), L.MaxPooling2D(2, data_format=cf),
        L.Flatten(), L.Dense(2)])
    out.append(("k1_conv2d_tf_th", "tensorflow", m, [
        ("Convolution2D", {"nb_filter": 3, "nb_row": 3, "nb_col": 3, "subsample": [1, 1], "border_mode": "same",
                           "dim_ordering": "th", "activation": "relu", "bias": True,
                           "batch_input_shape": [None, 3, 8, 7], "input_dtype": "float32"},
         lambda l: conv_weights(l, True, False)),
        ("MaxPooling2D", {"pool_size": [2, 2], "strides": [2, 2], "border_mode": "valid", "dim_ordering": "th"}, None),
        ("Flatten", {}, None),
        ("Dense", {"output_dim": 2, "activation": "linear", "bias": True}, "dense"),
    ]))
    out += recurrent_models(keras) + merge_models(keras) + deconvolution_models(keras)
    return out


def deconvolution_models(keras):
    """Keras 1's Deconvolution2D (issue 15, layers15b): Keras 3's Conv2DTranspose of the same math, the config's
    `output_shape` the size Keras 3 computes, the kernel stored as Keras 1 stored it — a convolution's (rows, cols,
    in, out) ("th": (out, in, rows, cols)), which Keras 1's TensorFlow backend transposed to conv2d_transpose's
    (rows, cols, out, in)."""
    L, cf = keras.layers, "channels_first"
    out = []

    seq = lambda name, shape, layers: chain(keras, name, shape, layers)
    def deconv_weights(th):
        def weights(layer):
            k, *rest = [np.asarray(v) for v in layer.get_weights()]          # (rows, cols, out, in)
            return [("W", k1_kernel(np.transpose(k, (0, 1, 3, 2)), th, False))] + ([("b", rest[0])] if rest else [])
        return weights

    def deconv(m, i, th):
        layer = [l for l in m.layers if l.__class__.__name__ == "Conv2DTranspose"][i]
        c = layer.get_config()
        shape = [None] + list(layer.output.shape[1:])
        return ("Deconvolution2D", {"nb_filter": c["filters"], "nb_row": c["kernel_size"][0], "nb_col": c["kernel_size"][1],
                                    "output_shape": shape, "subsample": list(c["strides"]), "border_mode": c["padding"],
                                    "dim_ordering": "th" if th else "tf", "activation": c["activation"] if isinstance(
                                        c["activation"], str) else "linear", "bias": c["use_bias"], "init": "glorot_uniform",
                                    "W_regularizer": None, "b_regularizer": None, "activity_regularizer": None,
                                    "W_constraint": None, "b_constraint": None}, deconv_weights(th))

    # dim_ordering tf: valid with an output one row larger than Keras 2's default, then same with an even kernel
    m = seq("k1_deconv_tf", (5, 6, 3), [
        L.Conv2DTranspose(4, 3, strides=2, output_padding=(1, 0), activation="relu"),
        L.Conv2DTranspose(2, (4, 3), strides=(2, 1), padding="same"), L.Flatten(), L.Dense(3)])
    specs = [deconv(m, 0, False), deconv(m, 1, False), ("Flatten", {}, None),
             ("Dense", {"output_dim": 3, "activation": "linear", "bias": True}, "dense")]
    specs[0][1]["batch_input_shape"] = [None, 5, 6, 3]
    specs[0][1]["input_dtype"] = "float32"
    out.append(("k1_deconv_tf", "tensorflow", m, specs))
    # dim_ordering th on the TensorFlow backend: (out, in, rows, cols) kernels; 3 channels in, 3 filters out
    m = seq("k1_deconv_th", (3, 4, 5), [
        L.Conv2DTranspose(3, (2, 3), strides=(2, 2), padding="same", output_padding=(1, 0), use_bias=False,
                          data_format=cf),
        L.Conv2DTranspose(3, 3, data_format=cf, activation="tanh"), L.Flatten(), L.Dense(2)])
    specs = [deconv(m, 0, True), deconv(m, 1, True), ("Flatten", {}, None),
             ("Dense", {"output_dim": 2, "activation": "linear", "bias": True}, "dense")]
    specs[0][1]["batch_input_shape"] = [None, 3, 4, 5]
    specs[0][1]["input_dtype"] = "float32"
    out.append(("k1_deconv_th", "tensorflow", m, specs))
    return out


def rnn_config(layer, consume_less, **extra):
    """A Keras 1.2 recurrent layer's config for the Keras 3 `layer`."""
    c = {"output_dim": layer.units, "init": "glorot_uniform", "inner_init": "orthogonal",
         "activation": keras_name(layer.activation), "W_regularizer": None, "U_regularizer": None, "b_regularizer": None,
         "dropout_W": 0.0, "dropout_U": 0.0, "return_sequences": layer.return_sequences,
         "go_backwards": layer.go_backwards, "stateful": False, "unroll": False, "consume_less": consume_less}
    if hasattr(layer, "recurrent_activation") and layer.__class__.__name__ != "SimpleRNN":
        c["inner_activation"] = keras_name(layer.recurrent_activation)
    if layer.__class__.__name__ == "LSTM":
        c["forget_bias_init"] = "one"
    c.update(extra)
    return c


def keras_name(f):
    return f.__name__


def rnn_weights(consume_less):
    """Keras 1's stored variables of a Keras 3 SimpleRNN/LSTM/GRU layer."""
    def weights(layer):
        k, r, b = [np.asarray(v) for v in layer.get_weights()]
        if consume_less == "gpu" or layer.__class__.__name__ == "SimpleRNN":
            return [("W", k), ("U", r), ("b", b)]
        u = layer.units
        gates = {"LSTM": ["i", "f", "c", "o"], "GRU": ["z", "r", "h"]}[layer.__class__.__name__]
        stored = {"LSTM": ["i", "c", "f", "o"], "GRU": ["z", "r", "h"]}[layer.__class__.__name__]
        out = []
        for g in stored:
            j = gates.index(g)
            out += [(f"W_{g}", k[:, j * u:(j + 1) * u]), (f"U_{g}", r[:, j * u:(j + 1) * u]), (f"b_{g}", b[j * u:(j + 1) * u])]
        return out
    return weights


def recurrent_models(keras):
    L = keras.layers
    out = []
    x = keras.Input((6, 3))
    lstm = L.LSTM(5, return_sequences=True, recurrent_activation="sigmoid")
    gru = L.GRU(4, reset_after=False, go_backwards=True, recurrent_activation="sigmoid")
    dense = L.Dense(3)
    m = keras.Model(x, dense(gru(lstm(x))), name="k1_lstm_gru")
    out.append(("k1_lstm_gru", "tensorflow", m, [
        ("LSTM", rnn_config(lstm, "cpu", batch_input_shape=[None, 6, 3], input_dim=3, input_length=6), rnn_weights("cpu")),
        ("GRU", rnn_config(gru, "mem"), rnn_weights("mem")),
        ("Dense", {"output_dim": 3, "activation": "linear", "bias": True}, "dense"),
    ]))
    x = keras.Input((7, 2))
    rnn = L.SimpleRNN(4, return_sequences=True, activation="relu")
    gru = L.GRU(3, reset_after=False, return_sequences=True, activation="tanh", recurrent_activation="sigmoid")
    lstm = L.LSTM(4, go_backwards=True, recurrent_activation="sigmoid", activation="tanh")
    dense = L.Dense(2, activation="softmax")
    m = keras.Model(x, dense(lstm(gru(rnn(x)))), name="k1_rnn_gpu")
    out.append(("k1_rnn_gpu", "theano", m, [
        ("SimpleRNN", rnn_config(rnn, "gpu", batch_input_shape=[None, 7, 2]), rnn_weights("gpu")),
        ("GRU", rnn_config(gru, "gpu"), rnn_weights("gpu")),
        ("LSTM", rnn_config(lstm, "gpu"), rnn_weights("gpu")),
        ("Dense", {"output_dim": 2, "activation": "softmax", "bias": True}, "dense"),
    ]))
    return out


def merge_config(mode, **extra):
    c = {"mode": mode, "concat_axis": -1, "dot_axes": -1, "output_shape": None, "output_shape_type": "raw",
         "output_mask": None, "output_mask_type": "raw", "arguments": {}, "mode_type": "raw"}
    c.update(extra)
    return c


def merge_models(keras):
    """A functional Keras 1 model merging two Dense branches in every Merge mode."""
    L = keras.layers
    x = keras.Input((6,))
    a = L.Dense(4)(x)
    b = L.Dense(4, activation="tanh")(x)
    s, p, av, mx = L.Add()([a, b]), L.Multiply()([a, b]), L.Average()([a, b]), L.Maximum()([a, b])
    cat = L.Concatenate(axis=-1)([s, p, av, mx])
    d = L.Dot(axes=1)([a, b])
    cs = L.Dot(axes=1, normalize=True)([a, b])
    y = L.Dense(3)(L.Concatenate(axis=1)([cat, d, cs]))
    m = keras.Model(x, y, name="k1_merge")
    dense = lambda act: ("Dense", {"output_dim": 4, "activation": act, "bias": True}, "dense")
    return [("k1_merge", "tensorflow", m, [
        dense("linear"), dense("tanh"),
        ("Merge", merge_config("sum"), None), ("Merge", merge_config("mul"), None),
        ("Merge", merge_config("ave"), None), ("Merge", merge_config("max"), None),
        ("Merge", merge_config("concat"), None),
        ("Merge", merge_config("dot", dot_axes=[1, 1]), None),
        ("Merge", merge_config("cos"), None),
        ("Merge", merge_config("concat", concat_axis=1), None),
        ("Dense", {"output_dim": 3, "activation": "linear", "bias": True}, "dense"),
    ])]


def functional_config(model, layers, names, config):
    """Keras 1's `Model` config: layers with 3-element inbound nodes, input and output layer lists."""
    entries = []
    inp = model.layers[0]
    inp_name = "input_1"
    names[inp.name] = inp_name
    entries.append({"name": inp_name, "class_name": "InputLayer", "inbound_nodes": [],
                    "config": {"batch_input_shape": [None] + list(model.inputs[0].shape[1:]), "input_dtype": "float32",
                               "sparse": False, "name": inp_name}})
    for l, c in zip(layers, config):
        node = l._inbound_nodes[0]
        refs = [[names[t._keras_history[0].name], t._keras_history[1], t._keras_history[2]] for t in node.input_tensors]
        entries.append({"name": c["config"]["name"], "class_name": c["class_name"], "config": c["config"],
                        "inbound_nodes": [refs]})
    last = names[model.layers[-1].name]
    return {"class_name": "Model", "config": {"name": model.name, "layers": entries,
                                              "input_layers": [[inp_name, 0, 0]], "output_layers": [[last, 0, 0]]}}


def write(path, backend, model, specs):
    layers = [l for l in model.layers if l.__class__.__name__ != "InputLayer"]
    assert len(layers) == len(specs)
    config, weights, counts, names = [], [], {}, {}
    for l, (cls, cfg, w) in zip(layers, specs):
        counts[cls] = counts.get(cls, 0) + 1
        name = f"{cls.lower()}_{counts[cls]}"
        c = {"name": name, "trainable": True}
        c.update(cfg)
        config.append({"class_name": cls, "config": c})
        if w == "dense":
            ws = [("W", np.asarray(l.get_weights()[0])), ("b", np.asarray(l.get_weights()[1]))]
        else:
            ws = w(l) if w else []
        weights.append((name, [(f"{name}_{s}", v) for s, v in ws]))
        names[l.name] = name
    functional = any(cls == "Merge" for cls, _, _ in specs)
    top = functional_config(model, layers, names, config) if functional else {"class_name": "Sequential", "config": config}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = fixed("1.2.2")
        f.attrs["backend"] = fixed(backend)
        f.attrs["model_config"] = fixed(json.dumps(top))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.asarray([n.encode() for n, _ in weights])
        for lname, ws in weights:
            lg = g.create_group(lname)
            lg.attrs["weight_names"] = np.asarray([n.encode() for n, _ in ws]) if ws else np.array([], dtype=np.float64)
            for wn, v in ws:
                lg.create_dataset(wn, data=np.asarray(v, np.float32))


def branch_merge(keras, d):
    """Keras 1's Sequential whose first layer merges whole Sequential branches (`Merge([left, right], mode="concat")`,
    issue 15, layers15b): two inputs, the branches' layers stored at the top in Keras 1's `flattened_layers` order
    (left's, right's, the merge, the rest). Returns the case (two input files)."""
    L = keras.layers
    a, b = keras.Input((4,)), keras.Input((3,))
    left = L.Dense(5, activation="relu", name="d2")(L.Dense(6, activation="tanh", name="d1")(a))
    right = L.Dense(2, name="d3")(b)
    y = L.Dense(3, name="d4")(L.Concatenate(axis=-1)([left, right]))
    m = keras.Model([a, b], y, name="k1_branch_merge")
    C.seed_all()
    C.init_weights(m, "k1_branch_merge")
    dense = [m.get_layer(f"d{i}") for i in range(1, 5)]                  # a's two, b's, the last
    names = ["dense_1", "dense_2", "dense_3", "dense_4"]

    def cfg(i, extra):
        l = dense[i]
        c = {"name": names[i], "trainable": True, "output_dim": l.units, "activation": l.get_config()["activation"],
             "bias": True, "init": "glorot_uniform", "W_regularizer": None, "b_regularizer": None,
             "activity_regularizer": None, "W_constraint": None, "b_constraint": None, "input_dim": None}
        c.update(extra)
        return {"class_name": "Dense", "config": c}
    first = lambda i, n: {"batch_input_shape": [None, n], "input_dtype": "float32", "input_dim": n}
    merge = {"class_name": "Merge", "config": {
        "name": "merge_1", "mode": "concat", "mode_type": "raw", "concat_axis": -1, "dot_axes": -1,
        "output_shape": None, "output_shape_type": "raw", "output_mask": None, "output_mask_type": "raw", "arguments": {},
        "layers": [{"class_name": "Sequential", "config": [cfg(0, first(0, 4)), cfg(1, {})]},
                   {"class_name": "Sequential", "config": [cfg(2, first(2, 3))]}]}}
    top = {"class_name": "Sequential", "config": [merge, cfg(3, {})]}
    order = [("dense_1", dense[0]), ("dense_2", dense[1]), ("dense_3", dense[2]), ("merge_1", None), ("dense_4", dense[3])]
    path = os.path.join(d, "k1_branch_merge.h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = fixed("1.2.2")
        f.attrs["backend"] = fixed("tensorflow")
        f.attrs["model_config"] = fixed(json.dumps(top))
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.asarray([n.encode() for n, _ in order])
        for n, l in order:
            lg = g.create_group(n)
            ws = [] if l is None else [(f"{n}_W", l.get_weights()[0]), (f"{n}_b", l.get_weights()[1])]
            lg.attrs["weight_names"] = np.asarray([w.encode() for w, _ in ws]) if ws else np.array([], dtype=np.float64)
            for wn, v in ws:
                lg.create_dataset(wn, data=np.asarray(v, np.float32))
    r = C.rng_for("keras1-input", "k1_branch_merge")
    xs = [C.f32(r.normal(0, 1, (2, 4))), C.f32(r.normal(0, 1, (2, 3)))]
    for i, x in enumerate(xs):
        C.save_npy(os.path.join(d, f"k1_branch_merge.in{i}.npy"), x)
    C.save_npy(os.path.join(d, "k1_branch_merge.out.npy"), np.asarray(m(xs, training=False)))
    return {"file": "k1_branch_merge.h5", "backend": "tensorflow", "input": "k1_branch_merge.in0.npy",
            "inputs": ["k1_branch_merge.in0.npy", "k1_branch_merge.in1.npy"], "output": "k1_branch_merge.out.npy",
            "classes": ["Dense", "Dense", "Dense", "Merge", "Dense"]}


def generate(out):
    import keras
    d = os.path.join(out, "keras1")
    os.makedirs(d, exist_ok=True)
    cases = []
    for name, backend, m, specs in models(keras):
        C.seed_all()
        C.init_weights(m, name)
        x = C.f32(C.rng_for("keras1-input", name).normal(0, 1, (2,) + tuple(m.inputs[0].shape[1:])))
        y = np.asarray(m(x, training=False))
        write(os.path.join(d, f"{name}.h5"), backend, m, specs)
        C.save_npy(os.path.join(d, f"{name}.in.npy"), x)
        C.save_npy(os.path.join(d, f"{name}.out.npy"), y)
        cases.append({"file": f"{name}.h5", "backend": backend, "input": f"{name}.in.npy", "output": f"{name}.out.npy",
                      "classes": [s[0] for s in specs]})
    cases.append(branch_merge(keras, d))
    C.dump_json(os.path.join(d, "cases.json"), cases)
    print(f"  keras1: {len(cases)} Keras 1.2 files")
