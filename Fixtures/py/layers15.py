"""Issue 15, the layers that were left: models checking what the unit cases of layers.py do not.

- `chfirst_preproc.keras3.h5` (Keras 3): `Resizing`, `CenterCrop` and `SpatialDropout2D` with
  `data_format="channels_first"` ahead of a channels-first convolution, with Keras' output.
- `theano_conv2d.keras2.h5`, `theano_conv1d.keras2.h5`: Keras 2 files as the Theano backend wrote them (root
  attributes `keras_version` 2.1.6, `backend` "theano", `image_data_format` channels_first in the layers'
  configs, convolution kernels in Keras 2's (window…, in, out) layout but spatially flipped: Theano computes a
  true convolution, and Keras 2 flipped them with `convert_kernel` when loading them into TensorFlow).
  Written with tf-keras' h5 writer, then re-stamped and flipped with h5py (Keras 2 with Theano cannot be
  installed); the expected outputs are Keras 3's on the same weights (TensorFlow has no channels-first
  convolution on the CPU, Keras 3 moves the axes itself).
- `mask_*.keras3.h5` (Keras 3): Keras masks from Embedding(mask_zero)/Masking into `Attention`,
  `AdditiveAttention` and `MultiHeadAttention` (query, value and key masks, with `use_causal_mask` and an
  explicit `attention_mask`), with Keras' outputs on padded inputs; `scores_attention.keras3.h5`: the three
  attention kinds called with `return_attention_scores=True`, both outputs feeding the model's;
  `mask_timedistributed.keras3.h5`: an Embedding(mask_zero) mask into TimeDistributed(LSTM) and
  TimeDistributed(GlobalAveragePooling1D); `gate_mha.keras3.h5` / `.keras`: MultiHeadAttention with `use_gate`."""
import os

import h5py
import numpy as np

from . import common as C


def chfirst_preproc(keras):
    L, cf = keras.layers, "channels_first"
    x = keras.Input((3, 13, 11), name="image")
    y = L.Resizing(10, 8, data_format=cf, name="resize")(x)
    y = L.CenterCrop(8, 6, data_format=cf, name="crop")(y)
    y = L.SpatialDropout2D(0.4, data_format=cf, name="sdrop")(y)
    # 5 filters, not 4: on the CPU, TensorFlow 2.21 adds a channels-first Conv2D's bias along the last axis when
    # that axis has as many entries as there are filters (a (N, 4, 6, 4) output here would be Keras' wrong numbers).
    y = L.Conv2D(5, 3, activation="tanh", data_format=cf, name="conv")(y)
    y = L.Resizing(5, 3, interpolation="nearest", data_format=cf, name="resize_nearest")(y)
    y = L.Flatten(name="flatten")(y)
    y = L.Dense(3, name="dense")(y)
    return keras.Model(x, y, name="chfirst_preproc")


def theano_models(keras, tf_keras):
    """[(stem, Keras 3 model, tf-keras model of the same layers)]"""
    out = []
    for K in (keras, tf_keras):
        L, cf = K.layers, "channels_first"
        m2 = K.Sequential([K.Input((3, 10, 9)),
                           L.Conv2D(4, 3, padding="same", activation="relu", data_format=cf, name="conv_a"),
                           L.MaxPooling2D(2, data_format=cf, name="pool"),
                           L.Conv2D(5, (2, 3), data_format=cf, name="conv_b"),
                           L.Flatten(name="flatten"), L.Dense(3, name="dense")], name="theano_conv2d")
        m1 = K.Sequential([K.Input((9, 3)),
                           L.Conv1D(4, 3, activation="relu", name="conv_a"),
                           L.Conv1D(2, 2, dilation_rate=2, name="conv_b"),
                           L.GlobalMaxPooling1D(name="gmp"), L.Dense(2, name="dense")], name="theano_conv1d")
        out.append((m2, m1))
    return [("theano_conv2d", out[0][0], out[1][0]), ("theano_conv1d", out[0][1], out[1][1])]


def mask_models(keras):
    """[(stem, model, integer input?)]: Keras masks reaching attention layers."""
    L = keras.layers
    out = []
    x = keras.Input((7,), dtype="int32", name="tokens")
    e = L.Embedding(12, 8, mask_zero=True, name="embed")(x)
    a = L.Attention(name="att")([e, e])
    c = L.Attention(use_scale=True, score_mode="concat", name="att_concat")([a, e], use_causal_mask=True)
    y = L.Dense(3, name="dense")(L.GlobalAveragePooling1D(name="gap")(c))
    out.append(("mask_attention", keras.Model(x, y, name="mask_attention"), True))
    x = keras.Input((6, 4), name="frames")
    m = L.Masking(0.0, name="masking")(x)
    q = L.Dense(4, name="q")(m)
    a = L.AdditiveAttention(name="add_att")([q, m])
    y = L.Dense(2, name="dense")(a)
    out.append(("mask_additive", keras.Model(x, y, name="mask_additive"), False))
    x = keras.Input((7,), dtype="int32", name="tokens")
    e = L.Embedding(12, 8, mask_zero=True, name="embed")(x)
    k = L.Dense(8, name="key_proj")(e)
    h = L.MultiHeadAttention(2, 4, name="mha")(e, e, k)
    h = L.Add(name="residual")([e, h])
    h = L.LayerNormalization(name="norm")(h)
    h2 = L.MultiHeadAttention(2, 3, value_dim=2, name="mha_causal")(h, h, use_causal_mask=True)
    y = L.Dense(3, name="dense")(L.GlobalAveragePooling1D(name="gap")(h2))
    out.append(("mask_mha", keras.Model(x, y, name="mask_mha"), True))
    # return_attention_scores=True: the weights as a second output, feeding the model's output with the first
    x = keras.Input((5, 6), name="frames")
    o, w = L.Attention(name="att")([x, x], return_attention_scores=True)
    p, v = L.MultiHeadAttention(2, 3, name="mha")(x, x, return_attention_scores=True)
    a, u = L.AdditiveAttention(name="add_att")([o, x], return_attention_scores=True)
    parts = [L.Flatten(name=f"flat_{i}")(t) for i, t in enumerate([o, w, p, v, a, u])]
    y = L.Dense(3, name="dense")(L.Concatenate(name="concat")(parts))
    out.append(("scores_attention", keras.Model(x, y, name="scores_attention"), False))
    # a mask into TimeDistributed's layer: sentences of words, each sentence read by an LSTM and averaged
    x = keras.Input((3, 5), dtype="int32", name="sentences")
    e = L.Embedding(12, 6, mask_zero=True, name="embed")(x)
    r = L.TimeDistributed(L.LSTM(4, name="lstm"), name="td_lstm")(e)
    g = L.TimeDistributed(L.GlobalAveragePooling1D(name="gap"), name="td_gap")(e)
    y = L.Dense(2, name="dense")(L.Concatenate(name="concat")([L.Flatten(name="flat_r")(r), L.Flatten(name="flat_g")(g)]))
    out.append(("mask_timedistributed", keras.Model(x, y, name="mask_timedistributed"), True))
    # Keras 3's use_gate: the heads' outputs times sigmoid(a gate projection of the query)
    x = keras.Input((5, 6), name="frames")
    h = L.MultiHeadAttention(2, 3, use_gate=True, name="mha_gate")(x, x)
    h = L.MultiHeadAttention(2, 4, value_dim=3, use_gate=True, use_bias=False, name="mha_gate_nobias")(h, x)
    y = L.Dense(3, name="dense")(L.GlobalAveragePooling1D(name="gap")(h))
    out.append(("gate_mha", keras.Model(x, y, name="gate_mha"), False))
    return out


def theano_stamp(path, kernels):
    """A tf-keras h5 file re-stamped as Keras 2.1.6 with Theano, its convolution kernels flipped."""
    with h5py.File(path, "r+") as f:
        f.attrs["keras_version"] = np.bytes_("2.1.6")
        f.attrs["backend"] = np.bytes_("theano")
        g = f["model_weights"]
        g.attrs["keras_version"] = np.bytes_("2.1.6")
        g.attrs["backend"] = np.bytes_("theano")
        for layer in kernels:
            for name in g[layer].attrs["weight_names"]:
                name = name.decode() if isinstance(name, bytes) else name
                if name.split("/")[-1].startswith("kernel"):
                    d = g[layer][name]
                    k = np.asarray(d)
                    d[...] = k[tuple(slice(None, None, -1) for _ in range(k.ndim - 2))]


def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "layers15")
    os.makedirs(d, exist_ok=True)
    cases = []
    C.seed_all()
    m = chfirst_preproc(keras)
    C.init_weights(m, "chfirst_preproc")
    x = C.f32(C.rng_for("layers15-input", "chfirst_preproc").uniform(-1, 1, (2, 3, 13, 11)))
    m.save(os.path.join(d, "chfirst_preproc.keras3.h5"))
    C.save_npy(os.path.join(d, "chfirst_preproc.in.npy"), x)
    C.save_npy(os.path.join(d, "chfirst_preproc.out.npy"), np.asarray(m(x, training=False)))
    cases.append({"file": "chfirst_preproc.keras3.h5", "input": "chfirst_preproc.in.npy", "output": "chfirst_preproc.out.npy",
                  "backend": "tensorflow"})
    for stem, k3, tfk in theano_models(keras, tf_keras):
        C.seed_all()
        C.init_weights(k3, stem)
        tfk.set_weights(k3.get_weights())
        x = C.f32(C.rng_for("layers15-input", stem).normal(0, 1, (2,) + tuple(k3.inputs[0].shape[1:])))
        path = os.path.join(d, f"{stem}.keras2.h5")
        tfk.save(path)
        theano_stamp(path, [l.name for l in tfk.layers if l.name.startswith("conv")])
        C.save_npy(os.path.join(d, f"{stem}.in.npy"), x)
        C.save_npy(os.path.join(d, f"{stem}.out.npy"), np.asarray(k3(x, training=False)))
        cases.append({"file": f"{stem}.keras2.h5", "input": f"{stem}.in.npy", "output": f"{stem}.out.npy", "backend": "theano"})
    for stem, m, integer in mask_models(keras):
        C.seed_all()
        C.init_weights(m, stem)
        r = C.rng_for("layers15-input", stem)
        if integer and stem == "mask_timedistributed":   # 3 sentences of up to 5 words, padded
            x = r.integers(1, 12, (2, 3, 5)).astype(np.int32)
            x[0, 0, 4:] = 0
            x[0, 2, 2:] = 0
            x[1, 1, 1:] = 0
        elif integer:   # token ids, padded with zeros at the end (the second sample more than the first)
            x = r.integers(1, 12, (2, 7)).astype(np.int32)
            x[0, 5:] = 0
            x[1, 3:] = 0
        elif stem.startswith("scores") or stem.startswith("gate"):
            x = C.f32(r.normal(0, 1, (2, 5, 6)))
        else:         # frames, some all zero (masked)
            x = C.f32(r.normal(0, 1, (2, 6, 4)))
            x[0, 4:] = 0
            x[1, 2] = 0
            x[1, 5] = 0
        m.save(os.path.join(d, f"{stem}.keras3.h5"))
        np.save(os.path.join(d, f"{stem}.in.npy"), x)
        C.save_npy(os.path.join(d, f"{stem}.out.npy"), np.asarray(m(x, training=False)))
        cases.append({"file": f"{stem}.keras3.h5", "input": f"{stem}.in.npy", "output": f"{stem}.out.npy",
                      "backend": "tensorflow", "integer_input": integer})
        if stem.startswith("gate"):   # and as a .keras archive (variables grouped by sub-layer: gate_dense …)
            m.save(os.path.join(d, f"{stem}.keras"))
            C.normalize_keras_zip(os.path.join(d, f"{stem}.keras"))
            cases.append({"file": f"{stem}.keras", "input": f"{stem}.in.npy", "output": f"{stem}.out.npy",
                          "backend": "tensorflow", "integer_input": integer})
    C.dump_json(os.path.join(d, "cases.json"), cases)
    print(f"  layers15: {len(cases)} models")
