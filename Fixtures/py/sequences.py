"""Issue 15, sequence slice: recurrent models with several outputs and initial states (`sequences/`).

Each case is a small functional model saved by Keras 3 and by tf-keras (`CASE.h5`, `CASE.tfkeras.h5`)
with seeded weights, its inputs (`CASE.in<k>.npy`) and every model output as Keras computes it
(`CASE[.tfkeras].out<k>.npy`): `return_state` (LSTM → [output, h, c], GRU/SimpleRNN → [output, h]),
`Bidirectional` with `merge_mode=None` and with `return_state`, the encoder–decoder (seq2seq) whose
decoder LSTM starts from the encoder's states (`initial_state`), `go_backwards` + `unroll`, and a
`stateful` LSTM (its first call, from a zero state). `cases.json` lists them.
"""
import os

import numpy as np

from . import common as C


def cases(K):
    """[(case, builder → (inputs, outputs), [per-sample input shapes], batch shape or None)]"""
    L = K.layers
    c = []

    def lstm_return_state():
        x = K.Input((6, 3), name="x")
        seq, h, cc = L.LSTM(4, return_sequences=True, return_state=True, name="lstm")(x)
        return [x], [seq, h, cc]
    c.append(("lstm_return_state", lstm_return_state, [(6, 3)]))

    def gru_state_dense():
        x = K.Input((6, 3), name="x")
        y, h = L.GRU(3, return_state=True, name="gru")(x)
        return [x], [y, L.Dense(2, name="head")(h)]
    c.append(("gru_state_dense", gru_state_dense, [(6, 3)]))

    def rnn_state_back_unroll():
        x = K.Input((5, 2), name="x")
        y, h = L.SimpleRNN(3, return_sequences=True, return_state=True, go_backwards=True, unroll=True, name="rnn")(x)
        return [x], [L.Dense(2, name="head")(y), h]
    c.append(("rnn_state_back_unroll", rnn_state_back_unroll, [(5, 2)]))

    def seq2seq():
        enc = K.Input((5, 3), name="encoder_inputs")
        dec = K.Input((4, 2), name="decoder_inputs")
        _, h, cc = L.LSTM(4, return_state=True, name="encoder")(enc)
        d = L.LSTM(4, return_sequences=True, name="decoder")(dec, initial_state=[h, cc])
        return [enc, dec], [L.Dense(3, activation="softmax", name="decoder_dense")(d)]
    c.append(("seq2seq", seq2seq, [(5, 3), (4, 2)]))

    def gru_initial_state():
        x = K.Input((5, 2), name="x")
        s = K.Input((3,), name="s")
        return [x, s], [L.GRU(3, return_sequences=True, name="gru")(x, initial_state=[s])]
    c.append(("gru_initial_state", gru_initial_state, [(5, 2), (3,)]))

    def bidirectional_none():
        x = K.Input((6, 3), name="x")
        a, b = L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode=None, name="bi")(x)
        return [x], [L.Add(name="add")([a, L.Dense(3, name="proj")(b)]), b]
    c.append(("bidirectional_none", bidirectional_none, [(6, 3)]))

    def bidirectional_state():
        x = K.Input((6, 3), name="x")
        y, hf, cf, hb, cb = L.Bidirectional(L.LSTM(3, return_state=True), name="bi")(x)
        return [x], [y, hf, cf, hb, cb]
    c.append(("bidirectional_state", bidirectional_state, [(6, 3)]))

    def bidirectional_initial_state():
        x = K.Input((5, 2), name="x")
        hf, cf = K.Input((3,), name="hf"), K.Input((3,), name="cf")
        hb, cb = K.Input((3,), name="hb"), K.Input((3,), name="cb")
        y = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="ave", name="bi")(x, initial_state=[hf, cf, hb, cb])
        return [x, hf, cf, hb, cb], [y]
    c.append(("bidirectional_initial_state", bidirectional_initial_state, [(5, 2), (3,), (3,), (3,), (3,)]))

    def stateful():
        x = K.Input(batch_shape=(2, 6, 3), name="x")
        return [x], [L.LSTM(3, stateful=True, name="lstm")(x)]
    c.append(("stateful_lstm", stateful, [(6, 3)]))
    return c


def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "sequences")
    os.makedirs(d, exist_ok=True)
    result = []
    for fw, K in (("keras3", keras), ("tf_keras", tf_keras)):
        for case, builder, shapes in cases(K):
            C.seed_all()
            K.backend.clear_session()
            ins, outs = builder()
            model = K.Model(ins, outs, name="m_" + case)
            C.init_weights(model, "sequences/" + case)
            r = C.rng_for("sequence-input", case)
            xs = [C.f32(r.normal(0, 1.0, (2,) + tuple(s))) for s in shapes]
            ys = model(xs if len(xs) > 1 else xs[0], training=False)
            ys = [np.asarray(y) for y in (ys if isinstance(ys, (list, tuple)) else [ys])]
            stem = case if fw == "keras3" else case + ".tfkeras"
            if fw == "keras3":
                for i, x in enumerate(xs):
                    C.save_npy(os.path.join(d, f"{case}.in{i}.npy"), x)
            for k, y in enumerate(ys):
                C.save_npy(os.path.join(d, f"{stem}.out{k}.npy"), y)
            model.save(os.path.join(d, f"{stem}.h5"))
            reloaded = (keras if fw == "keras3" else tf_keras).models.load_model(os.path.join(d, f"{stem}.h5"), compile=False)
            if case == "stateful_lstm":
                reloaded.reset_states() if hasattr(reloaded, "reset_states") else None
            again = reloaded(xs if len(xs) > 1 else xs[0], training=False)
            again = [np.asarray(y) for y in (again if isinstance(again, (list, tuple)) else [again])]
            assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(ys, again)), case
            result.append({"case": stem, "framework": fw, "file": f"{stem}.h5",
                           "inputs": [f"{case}.in{i}.npy" for i in range(len(xs))],
                           "outputs": [f"{stem}.out{k}.npy" for k in range(len(ys))]})
    result += generate_cudnn(d)
    result += generate_functional_masks(d)
    C.dump_json(os.path.join(d, "cases.json"), result)
    print(f"  sequences: {len(result)} cases")


# ----------------------------------------------------------------- tf.keras CuDNNLSTM / CuDNNGRU
# CuDNN kernels need a GPU, so Keras' numbers come from the plain layer the CuDNN one is equivalent to
# (LSTM; GRU with reset_after=True): its weights are converted to the CuDNN layout by tf-keras' own
# `_convert_rnn_weights`, set on a model built from the CuDNN layers, and that model is saved by tf-keras.

def _cudnn(K, plain):
    from tf_keras.src.layers.rnn.cudnn_gru import CuDNNGRU
    from tf_keras.src.layers.rnn.cudnn_lstm import CuDNNLSTM
    c = plain.get_config()
    keys = ("units", "return_sequences", "return_state", "go_backwards", "name")
    return (CuDNNLSTM if plain.__class__.__name__ == "LSTM" else CuDNNGRU)(**{k: c[k] for k in keys})


def _to_cudnn(cudnn_layer, weights):
    from tf_keras.src.saving.legacy import hdf5_format
    return hdf5_format._convert_rnn_weights(cudnn_layer, weights)


def cudnn_cases(K):
    L = K.layers
    return [("cudnn_lstm", lambda: [L.LSTM(4, return_sequences=True, name="rnn"), L.Dense(2, name="head")], (6, 3)),
            ("cudnn_gru_back", lambda: [L.GRU(3, go_backwards=True, reset_after=True, name="rnn")], (6, 3)),
            ("cudnn_bidirectional_gru", lambda: [L.Bidirectional(L.GRU(3, return_sequences=True, reset_after=True, name="rnn"),
                                                                 name="bi"), L.Dense(2, name="head")], (5, 2))]


def generate_cudnn(d):
    import tf_keras as K
    result = []
    for case, factory, shape in cudnn_cases(K):
        C.seed_all()
        K.backend.clear_session()
        x = K.Input(shape, name="x")
        layers = factory()
        y = x
        for layer in layers:
            y = layer(y)
        plain = K.Model(x, y, name="m_" + case)
        C.init_weights(plain, "sequences/" + case)
        xs = C.f32(C.rng_for("sequence-input", case).normal(0, 1.0, (2,) + shape))
        expected = np.asarray(plain(xs, training=False))
        # the same model from CuDNN layers, weights in the CuDNN layout
        x2 = K.Input(shape, name="x")
        y2 = x2
        for layer in layers:
            if layer.__class__.__name__ == "Bidirectional":
                twin = K.layers.Bidirectional(_cudnn(K, layer.forward_layer), name=layer.name)
            elif layer.__class__.__name__ in ("LSTM", "GRU"):
                twin = _cudnn(K, layer)
            else:
                twin = layer.__class__.from_config(layer.get_config())
            y2 = twin(y2)
            if layer.__class__.__name__ == "Bidirectional":
                w = layer.get_weights()
                half = len(w) // 2
                twin.set_weights(_to_cudnn(twin.forward_layer, w[:half]) + _to_cudnn(twin.backward_layer, w[half:]))
            elif layer.__class__.__name__ in ("LSTM", "GRU"):
                twin.set_weights(_to_cudnn(twin, layer.get_weights()))
            else:
                twin.set_weights(layer.get_weights())
        model = K.Model(x2, y2, name="m_" + case)
        stem = case + ".tfkeras"
        C.save_npy(os.path.join(d, f"{case}.in0.npy"), xs)
        C.save_npy(os.path.join(d, f"{stem}.out0.npy"), expected)
        model.save(os.path.join(d, f"{stem}.h5"))
        # tf-keras reads the file back and converts its CuDNN weights to the plain layers' exactly
        back = K.models.load_model(os.path.join(d, f"{stem}.h5"), compile=False)
        assert [l.__class__.__name__ for l in back.layers][1] in ("CuDNNLSTM", "CuDNNGRU", "Bidirectional"), case
        again = K.models.clone_model(plain)
        again.load_weights(os.path.join(d, f"{stem}.h5"))  # CuDNN weights → LSTM / GRU, tf-keras' conversion
        assert np.allclose(np.asarray(again(xs)), expected, atol=1e-6), case
        result.append({"case": stem, "framework": "tf_keras", "file": f"{stem}.h5", "inputs": [f"{case}.in0.npy"],
                       "outputs": [f"{stem}.out0.npy"]})
    return result


def cudnn_units(d, randn):
    """Layer units of the CuDNN kinds (appended to layers/units by Fixtures/py/layers.py): weights drawn for
    the plain layer, stored in the CuDNN layout; the output is the plain layer's."""
    import tf_keras as K
    entries = []
    for name, plain, shape in [("cudnn_lstm_seq", K.layers.LSTM(3, return_sequences=True), (5, 2)),
                               ("cudnn_gru", K.layers.GRU(3, reset_after=True), (5, 2)),
                               ("cudnn_lstm_state_back", K.layers.LSTM(2, go_backwards=True), (4, 3))]:
        x = randn(2, *shape)
        plain.build((None,) + shape)
        plain.set_weights([randn(*w.shape) * 0.5 for w in plain.weights])
        out = np.asarray(plain(x))
        twin = _cudnn(K, plain)
        twin.build((None,) + shape)
        stored = _to_cudnn(twin, plain.get_weights())
        entry = {"name": name, "class_name": twin.__class__.__name__, "config": C.tolist(twin.get_config()),
                 "inputs": [f"{name}.in0.npy"], "weights": [], "after": [], "mode": "inference", "output": f"{name}.out.npy"}
        np.save(os.path.join(d, f"{name}.in0.npy"), x)
        for k, w in enumerate(stored):
            np.save(os.path.join(d, f"{name}.w{k}.npy"), np.ascontiguousarray(w, dtype="float32"))
            entry["weights"].append(f"{name}.w{k}.npy")
        np.save(os.path.join(d, f"{name}.out.npy"), out.astype("float32"))
        entries.append(entry)
    return entries


# ----------------------------------------------------------------- Keras 3 functional models with masks
# Keras 3 records the ops that compute a functional model's masks (NotEqual, Any, LogicalOr …) as nodes of
# its config, feeding the layers' `mask` call arguments; ConvScope recomputes masks by Keras' layer rules
# and leaves those nodes unrun. Saved as .keras (Keras 3 itself cannot reload such configs from .h5).

def generate_functional_masks(d):
    import keras
    L = keras.layers
    result = []
    for case in ("functional_mask_embedding", "functional_mask_masking"):
        C.seed_all()
        keras.backend.clear_session()
        if case == "functional_mask_embedding":
            x = keras.Input((9,), name="tokens")
            h = L.Bidirectional(L.LSTM(3, return_sequences=True), name="bi")(L.Embedding(20, 4, mask_zero=True, name="emb")(x))
            y = L.Dense(2, name="head")(L.GRU(2, name="gru")(h))
            xs = C.rng_for("sequence-input", case).integers(1, 20, (2, 9))
            xs[0, -3:] = 0
            xs[1, :2] = 0
        else:
            x = keras.Input((8, 3), name="x")
            y = L.GlobalAveragePooling1D(name="gap")(L.SimpleRNN(3, return_sequences=True, name="rnn")(L.Masking(name="mask")(x)))
            xs = C.rng_for("sequence-input", case).normal(0, 1.0, (2, 8, 3))
            xs[0, -2:] = 0
            xs[1, 3] = 0
        xs = C.f32(xs)
        model = keras.Model(x, y, name="m_" + case)
        C.init_weights(model, "sequences/" + case)
        out = np.asarray(model(xs, training=False))
        C.save_npy(os.path.join(d, f"{case}.in0.npy"), xs)
        C.save_npy(os.path.join(d, f"{case}.out0.npy"), out)
        model.save(os.path.join(d, f"{case}.keras"))
        again = keras.models.load_model(os.path.join(d, f"{case}.keras"), compile=False)
        assert np.allclose(np.asarray(again(xs)), out, atol=1e-6), case
        assert any(l["class_name"] == "NotEqual" for l in model.get_config()["layers"]), case  # the ops are there
        result.append({"case": case + ".keras", "framework": "keras3", "file": f"{case}.keras", "inputs": [f"{case}.in0.npy"],
                       "outputs": [f"{case}.out0.npy"]})
    return result
