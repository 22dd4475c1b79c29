"""Issue 15, channels_first slice: a channels-first CNN (Keras 3 runs every channels-first layer on the
CPU by moving the axes itself) with its input, its output, and the input gradients under the three rules
(FeatureProjector's `.ones` objective: the sum of one channel — axis 1 here — of a layer) and the logit
saliency, so that DeconvNet, guided backprop and saliency on a channels-first model are checked against Keras."""
import os

import numpy as np

from . import common as C
from . import gradients as G
from . import models as M

TARGETS = [("conv_a", 2), ("pool_a", 1), ("conv_b", 4), ("pool_b", 5)]
SALIENCY_CLASS = 1


def build(keras):
    L, cf = keras.layers, "channels_first"
    x = keras.Input((3, 16, 14), name="image")
    y = L.Conv2D(6, 3, padding="same", activation="relu", data_format=cf, name="conv_a")(x)
    y = L.MaxPooling2D(2, data_format=cf, name="pool_a")(y)
    y = L.BatchNormalization(axis=1, name="bn")(y)
    y = L.Conv2D(8, 3, activation="relu", data_format=cf, name="conv_b")(y)
    y = L.MaxPooling2D(2, padding="same", data_format=cf, name="pool_b")(y)
    y = L.Flatten(name="flatten")(y)
    y = L.Dense(4, activation="softmax", name="dense")(y)
    return keras.Model(x, y, name="channels_first_cnn")


def generate(out):
    import keras
    d = os.path.join(out, "chfirst")
    os.makedirs(d, exist_ok=True)
    C.seed_all()
    keras.backend.clear_session()
    m = build(keras)
    C.init_weights(m, "chfirst")
    x = C.f32(C.rng_for("chfirst-input").uniform(-1, 1, (2, 3, 16, 14)))
    C.save_npy(os.path.join(d, "cnn.in.npy"), x)
    C.save_npy(os.path.join(d, "cnn.out.npy"), np.asarray(m(x, training=False)))
    m.save(os.path.join(d, "cnn.keras3.h5"))
    cases = []
    x0 = x[:1]
    for layer, ch in TARGETS:
        sub = keras.Model(m.inputs, m.get_layer(layer).output)
        for rule in G.RULES:
            with G.patched(m, rule):
                g, obj = G.input_gradient(sub, x0, lambda a, ch=ch: __import__("tensorflow").reduce_sum(a[0, ch]))
            fn = f"cnn.{rule}.{layer}.{ch}.npy"
            C.save_npy(os.path.join(d, fn), g[0])
            cases.append({"rule": rule, "layer": layer, "channel": ch, "objective": obj, "file": fn,
                          "nonzero": int(np.count_nonzero(g))})
    lm = M.logit_model(keras, m)
    g, obj = G.input_gradient(lm, x0, lambda z: z[0, SALIENCY_CLASS])
    fn = f"cnn.saliency.class{SALIENCY_CLASS}.npy"
    C.save_npy(os.path.join(d, fn), g[0])
    cases.append({"rule": "saliency", "layer": "dense", "channel": SALIENCY_CLASS, "objective": obj, "file": fn,
                  "nonzero": int(np.count_nonzero(g))})
    C.dump_json(os.path.join(d, "cases.json"), cases)
    print(f"  chfirst: {len(cases)} gradient cases")
