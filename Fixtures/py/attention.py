"""Issue 15, attention slice: whole models built only from keras.layers around MultiHeadAttention, saved
by Keras 3 (.h5 and .keras) and tf-keras (.h5), with Keras' outputs (attention/):

- vit: a small ViT-style image classifier (Conv2D patchify → Reshape → LayerNormalization →
  MultiHeadAttention → Add → LayerNormalization → Dense MLP → Add → GlobalAveragePooling1D → Dense softmax);
- text: Embedding → MultiHeadAttention self-attention → GlobalAveragePooling1D → Dense softmax.
"""
import os

import numpy as np

from . import common as C


def vit(K):
    L = K.layers
    x = K.Input((16, 16, 3), name="image")
    t = L.Conv2D(16, 4, strides=4, name="patchify")(x)                  # (4, 4, 16)
    t = L.Reshape((16, 16), name="tokens")(t)                           # 16 patches of 16
    h = L.LayerNormalization(epsilon=1e-6, name="ln1")(t)
    h = L.MultiHeadAttention(2, 8, name="mha")(h, h)
    t = L.Add(name="residual1")([t, h])
    h = L.LayerNormalization(epsilon=1e-6, name="ln2")(t)
    h = L.Dense(32, activation="gelu", name="mlp1")(h)
    h = L.Dense(16, name="mlp2")(h)
    t = L.Add(name="residual2")([t, h])
    t = L.GlobalAveragePooling1D(name="pool")(t)
    y = L.Dense(5, activation="softmax", name="classes")(t)
    return K.Model(x, y, name="vit_small")


def text(K):
    L = K.layers
    x = K.Input((10,), name="tokens")
    e = L.Embedding(30, 8, name="embed")(x)
    h = L.MultiHeadAttention(2, 4, name="self_attention")(e, e)
    h = L.GlobalAveragePooling1D(name="pool")(h)
    y = L.Dense(3, activation="softmax", name="classes")(h)
    return K.Model(x, y, name="text_attention")


MODELS = {"vit": (vit, (16, 16, 3)), "text": (text, (10,))}


def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "attention")
    os.makedirs(d, exist_ok=True)
    cases = []
    for name, (factory, shape) in MODELS.items():
        r = C.rng_for("attention-input", name)
        x = r.integers(0, 30, (3,) + shape) if name == "text" else r.uniform(0, 1, (3,) + shape)
        x = C.f32(x)
        C.save_npy(os.path.join(d, f"{name}.in0.npy"), x)
        for fw, K in (("keras3", keras), ("tfkeras", tf_keras)):
            C.seed_all()
            K.backend.clear_session()
            model = factory(K)
            C.init_weights(model, name)
            y = np.asarray(model(x, training=False))
            C.save_npy(os.path.join(d, f"{name}.{fw}.out.npy"), y)
            files = [f"{name}.{fw}.h5"] + ([f"{name}.keras"] if fw == "keras3" else [])
            for f in files:
                model.save(os.path.join(d, f))
                m2 = (keras if fw == "keras3" else tf_keras).models.load_model(os.path.join(d, f), compile=False)
                assert np.allclose(np.asarray(m2(x, training=False)), y, atol=1e-6), f
                cases.append({"file": f, "input": f"{name}.in0.npy", "output": f"{name}.{fw}.out.npy"})
    C.dump_json(os.path.join(d, "cases.json"), cases)
    print(f"  attention: {len(cases)} models")
