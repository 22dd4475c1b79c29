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
    C.dump_json(os.path.join(d, "cases.json"), result)
    print(f"  sequences: {len(result)} cases")
