"""Section 3: end-to-end models (conv_small, resnet_small) and shared builders."""
import json
import os

import numpy as np

from . import common as C


def build_conv(K, filters=(8, 8, 16, 16, 32, 32), dense=64, classes=10, name="conv_small"):
    L = K.layers
    f = filters
    return K.Sequential([
        K.Input((32, 32, 3), name="input"),
        L.Conv2D(f[0], 3, padding="same", activation="relu", name="conv1"),
        L.Dropout(0.2, name="dropout1"),
        L.Conv2D(f[1], 3, padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D(2, name="pool2"),
        L.Conv2D(f[2], 3, padding="same", activation="relu", name="conv3"),
        L.Dropout(0.2, name="dropout2"),
        L.Conv2D(f[3], 3, padding="same", activation="relu", name="conv4"),
        L.MaxPooling2D(2, name="pool4"),
        L.Conv2D(f[4], 3, padding="same", activation="relu", name="conv5"),
        L.Dropout(0.2, name="dropout3"),
        L.Conv2D(f[5], 3, padding="same", activation="relu", name="conv6"),
        L.MaxPooling2D(2, name="pool6"),
        L.Flatten(name="flatten"),
        L.Dropout(0.2, name="dropout4"),
        L.Dense(dense, activation="relu", kernel_constraint=K.constraints.MaxNorm(3), name="dense1"),
        L.Dropout(0.2, name="dropout5"),
        L.Dense(classes, activation="softmax", name="dense2"),
    ], name=name)


def build_vonc(K, classes=1000):
    L = K.layers
    return K.Sequential([
        K.Input((32, 32, 3), name="input"),
        L.Conv2D(32, 3, padding="valid", activation="relu", name="block1_conv1"),
        L.Conv2D(64, 3, padding="valid", activation="relu", name="block1_conv2"),
        L.MaxPooling2D(2, name="pool1"),
        L.Dropout(0.25, name="dropout1"),
        L.Conv2D(128, 3, padding="valid", activation="relu", name="block2_conv1"),
        L.MaxPooling2D(2, name="pool2"),
        L.Conv2D(128, 3, padding="valid", activation="relu", name="block2_conv2"),
        L.MaxPooling2D(2, name="pool3"),
        L.Dropout(0.25, name="dropout2"),
        L.Flatten(name="flatten"),
        L.Dense(1024, activation="relu", name="dense1"),
        L.Dropout(0.25, name="dropout3"),
        L.Dense(classes, activation="softmax", name="dense2"),
    ], name="vonc")


def _bottleneck(L, x, filters, stride, name, projection):
    eps = 1.001e-5
    if projection:
        sc = L.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        sc = L.BatchNormalization(axis=3, epsilon=eps, name=name + "_0_bn")(sc)
    else:
        sc = x
    y = L.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    y = L.BatchNormalization(axis=3, epsilon=eps, name=name + "_1_bn")(y)
    y = L.Activation("relu", name=name + "_1_relu")(y)
    y = L.Conv2D(filters, 3, padding="same", name=name + "_2_conv")(y)
    y = L.BatchNormalization(axis=3, epsilon=eps, name=name + "_2_bn")(y)
    y = L.Activation("relu", name=name + "_2_relu")(y)
    y = L.Conv2D(4 * filters, 1, name=name + "_3_conv")(y)
    y = L.BatchNormalization(axis=3, epsilon=eps, name=name + "_3_bn")(y)
    y = L.Add(name=name + "_add")([sc, y])
    return L.Activation("relu", name=name + "_out")(y)


def build_resnet_small(K):
    L = K.layers
    x0 = K.Input((32, 32, 3), name="input")
    x = L.ZeroPadding2D(3, name="conv1_pad")(x0)
    x = L.Conv2D(8, 7, strides=2, name="conv1_conv")(x)
    x = L.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = L.Activation("relu", name="conv1_relu")(x)
    x = L.ZeroPadding2D(1, name="pool1_pad")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = _bottleneck(L, x, 4, 1, "conv2_block1", True)
    x = _bottleneck(L, x, 4, 1, "conv2_block2", False)
    x = _bottleneck(L, x, 8, 2, "conv3_block1", True)
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    x = L.Dense(10, activation="softmax", name="predictions")(x)
    return K.Model(x0, x, name="resnet_small")


def logit_model(K, model):
    """Same model with the final softmax replaced by linear (weights shared by copy)."""
    cfg = model.get_config()
    last = cfg["layers"][-1]
    assert last["config"]["activation"] == "softmax"
    last["config"]["activation"] = "linear"
    cls = K.Sequential if model.__class__.__name__ == "Sequential" else K.Model
    m = cls.from_config(cfg)
    m.set_weights(model.get_weights())
    return m


def small_models():
    """Build the seeded conv_small / resnet_small (Keras 3) with their inputs."""
    import keras
    out = {}
    for name, b in (("conv_small", build_conv), ("resnet_small", build_resnet_small)):
        C.seed_all()
        m = b(keras)
        C.init_weights(m, name)
        r = C.rng_for("model-input", name)
        x = r.random((2, 32, 32, 3)) if name == "conv_small" else r.normal(0, 1, (2, 32, 32, 3))
        out[name] = (m, C.f32(x))
    return out


def generate(out):
    import keras
    d = os.path.join(out, "models")
    os.makedirs(d, exist_ok=True)
    expected = {}
    for name, (m, x) in small_models().items():
        f = f"{name}.keras3.h5"
        m.save(os.path.join(d, f))
        y = np.asarray(m(x, training=False))
        lm = logit_model(keras, m)
        z = np.asarray(lm(x, training=False))
        C.save_npy(os.path.join(d, f"{name}.in.npy"), x)
        C.save_npy(os.path.join(d, f"{name}.out.npy"), y)
        C.save_npy(os.path.join(d, f"{name}.logits.npy"), z)
        m2 = keras.models.load_model(os.path.join(d, f), compile=False)
        assert np.allclose(np.asarray(m2(x, training=False)), y, atol=1e-6)
        layers = [l for l in m.layers if l.__class__.__name__ != "InputLayer"]
        probe = keras.Model(m.inputs, [l.output for l in layers])
        acts = probe(x[:1], training=False)
        ad = os.path.join(d, f"{name}.activations")
        os.makedirs(ad, exist_ok=True)
        info = C.layer_info_k3(m)
        for l, a in zip(layers, acts):
            C.save_npy(os.path.join(ad, f"{l.name}.npy"), np.asarray(a)[0])
        for li in info:
            li["activation_file"] = (f"{name}.activations/{li['name']}.npy"
                                     if li["class_name"] != "InputLayer" else None)
        expected[name] = {"file": f, "input": f"{name}.in.npy", "output": f"{name}.out.npy",
                          "logits": f"{name}.logits.npy", **C.param_counts(m), "layers": info}
    C.dump_json(os.path.join(d, "expected.json"), expected)
