"""Issue 19, ONNX lowerings: models for what the other groups' fixtures leave out, with Keras' outputs
(the ONNX export tests compare onnxruntime with them; ConvScope's own tests may too).

- `dot3d.keras3.h5`: Dot over 3-D inputs on the feature axes, and on the time axes with `normalize`.
- `resize_norms.keras3.h5`: Resizing shrinking bilinearly and enlarging by a non-integer factor
  (nearest), GroupNormalization with one group per channel pair, UnitNormalization over two axes.
- `mask_lstm_state.keras3.h5`: an Embedding(mask_zero) mask into an LSTM with `go_backwards`,
  `return_sequences` and `return_state` (three outputs), on token rows padded in the middle and at the end."""
import os

import numpy as np

from . import common as C


def models(keras):
    """[(stem, model, integer input?)]"""
    L = keras.layers
    out = []
    a, b, c = keras.Input((5, 4), name="a"), keras.Input((6, 4), name="b"), keras.Input((5, 3), name="c")
    features = L.Dot(axes=(2, 2), name="dot_features")([a, b])                      # (5, 6)
    steps = L.Dot(axes=(1, 1), normalize=True, name="dot_steps")([a, c])            # (4, 3)
    out.append(("dot3d", keras.Model([a, b, c], [features, steps], name="dot3d"), False))
    x = keras.Input((9, 11, 4), name="image")
    small = L.Resizing(4, 5, name="shrink")(x)
    large = L.Resizing(13, 7, interpolation="nearest", name="enlarge")(x)
    g = L.GroupNormalization(groups=2, name="groupnorm")(small)
    u = L.UnitNormalization(axis=[1, 2], name="unitnorm")(large)
    out.append(("resize_norms", keras.Model(x, [g, u], name="resize_norms"), False))
    t = keras.Input((7,), dtype="int32", name="tokens")
    e = L.Embedding(12, 5, mask_zero=True, name="embed")(t)
    seq, h, cell = L.LSTM(3, go_backwards=True, return_sequences=True, return_state=True, name="lstm")(e)
    out.append(("mask_lstm_state", keras.Model(t, [seq, h, cell], name="mask_lstm_state"), True))
    return out


def generate(out):
    import keras
    d = os.path.join(out, "onnxlow")
    os.makedirs(d, exist_ok=True)
    cases = []
    for stem, m, integer in models(keras):
        C.seed_all()
        C.init_weights(m, stem)
        r = C.rng_for("onnxlow-input", stem)
        if integer:      # token ids, zeros (masked) in the middle and at the end
            xs = [r.integers(1, 12, (3, 7)).astype(np.int32)]
            xs[0][0, 5:] = 0
            xs[0][1, 2] = 0
            xs[0][1, 4:] = 0
        else:
            xs = [C.f32(r.normal(0, 1, (2,) + tuple(i.shape[1:]))) for i in m.inputs]
        m.save(os.path.join(d, f"{stem}.keras3.h5"))
        for k, x in enumerate(xs):
            np.save(os.path.join(d, f"{stem}.in{k}.npy"), x)
        ys = m([xs[0]] if len(xs) == 1 else xs, training=False)
        for k, y in enumerate(ys):
            C.save_npy(os.path.join(d, f"{stem}.out{k}.npy"), np.asarray(y))
        cases.append({"file": f"{stem}.keras3.h5", "inputs": [f"{stem}.in{k}.npy" for k in range(len(xs))],
                      "outputs": [f"{stem}.out{k}.npy" for k in range(len(ys))], "integer_input": integer})
    C.dump_json(os.path.join(d, "cases.json"), cases)
    print(f"  onnxlow: {len(cases)} models")
