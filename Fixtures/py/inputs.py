"""Issue 15, "Inputs of any shape": small non-image Keras models and their outputs.

Built only from layers ConvScope already runs (Dense, Activation, Softmax, ELU, Concatenate,
Reshape, Flatten, BatchNormalization, Dropout). Writes Fixtures/inputs/:
  <model>.keras                      the model (Keras 3)
  x784.npy (3, 784) float32, x784_one.npy (784,) float64, x784_u8.npy (2, 784) uint8
  numbers.npy (2, 8) float64, grid.npy (2, 4, 3) int16    the two-input model's inputs
  <model>.<output>.npy               Keras' output for the inputs above, float32
  two_io.block_inner.npy             the nested layer block/inner on numbers + grid
"""
import os

import numpy as np

from . import common as C


def build_mlp_classifier(K):
    L = K.layers
    return K.Sequential([
        K.Input((784,), name="pixels"),
        L.Dense(32, activation="relu", name="hidden"),
        L.Dropout(0.25, name="drop"),
        L.Dense(10, activation="softmax", name="probs"),
    ], name="mlp_classifier")


def build_mlp_regressor(K):
    L = K.layers
    return K.Sequential([
        K.Input((784,), name="pixels"),
        L.Dense(16, name="hidden"),
        L.ELU(name="elu"),
        L.BatchNormalization(name="bn"),
        L.Dense(3, name="value"),
    ], name="mlp_regressor")


def build_two_io(K):
    L = K.layers
    numbers = K.Input((8,), name="numbers")
    grid = K.Input((4, 3), name="grid")
    flat = L.Flatten(name="flat")(grid)
    joined = L.Concatenate(name="join")([numbers, flat])
    block = K.Sequential([K.Input((20,)), L.Dense(16, name="inner"), L.Activation("relu", name="inner_relu")], name="block")
    h = L.Dropout(0.1, name="drop")(block(joined))
    scores = L.Softmax(name="scores")(L.Dense(5, name="score_logits")(h))
    offset = L.Reshape((2, 3), name="offset")(L.Dense(6, name="offset_flat")(h))
    return K.Model([numbers, grid], [scores, offset], name="two_io")


def _init(model, key):
    r = C.rng_for("inputs", key)
    for v in model.weights:
        if "moving_variance" in v.path:
            v.assign(C.f32(r.uniform(0.5, 1.5, v.shape)))
        else:
            v.assign(C.f32(r.normal(0, 0.3, v.shape)))


def generate(out):
    import keras
    d = os.path.join(out, "inputs")
    os.makedirs(d, exist_ok=True)
    r = C.rng_for("inputs", "data")
    x784 = C.f32(r.random((3, 784)))
    np.save(os.path.join(d, "x784.npy"), x784)
    np.save(os.path.join(d, "x784_one.npy"), x784[0].astype(np.float64))
    xu8 = (r.random((2, 784)) * 255).astype(np.uint8)
    np.save(os.path.join(d, "x784_u8.npy"), xu8)
    numbers = r.normal(0, 1, (2, 8)).astype(np.float64)
    grid = r.integers(-5, 6, (2, 4, 3)).astype(np.int16)
    np.save(os.path.join(d, "numbers.npy"), numbers)
    np.save(os.path.join(d, "grid.npy"), grid)
    for name, build in [("mlp_classifier", build_mlp_classifier), ("mlp_regressor", build_mlp_regressor)]:
        m = build(keras)
        _init(m, name)
        m.save(os.path.join(d, f"{name}.keras"))
        C.normalize_keras_zip(os.path.join(d, f"{name}.keras"))
        out_name = m.layers[-1].name
        C.save_npy(os.path.join(d, f"{name}.{out_name}.npy"), m.predict(x784, verbose=0))
        C.save_npy(os.path.join(d, f"{name}.{out_name}.u8.npy"), m.predict(C.f32(xu8), verbose=0))
    m = build_two_io(keras)
    _init(m, "two_io")
    m.save(os.path.join(d, "two_io.keras"))
    C.normalize_keras_zip(os.path.join(d, "two_io.keras"))
    ins = [C.f32(numbers), C.f32(grid)]
    scores, offset = m.predict(ins, verbose=0)
    C.save_npy(os.path.join(d, "two_io.scores.npy"), scores)
    C.save_npy(os.path.join(d, "two_io.offset.npy"), offset)
    block = m.get_layer("block")
    inner = keras.Model(block.inputs, block.get_layer("inner").output)
    joined = keras.Model(m.inputs, m.get_layer("join").output).predict(ins, verbose=0)
    C.save_npy(os.path.join(d, "two_io.block_inner.npy"), inner.predict(joined, verbose=0))
