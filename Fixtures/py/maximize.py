"""Section 5: Algorithm 1 (activation maximization) reference on conv_small."""
import os

import numpy as np

from . import common as C
from . import models as M

STEPS = 5
STEP_SIZE = 1.0


def run(model, start, objective):
    import tensorflow as tf
    x = tf.convert_to_tensor(start)
    objs, xs = [], []
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            tape.watch(x)
            obj = objective(model(x, training=False))
        g = tape.gradient(obj, x)
        g = g / (tf.sqrt(tf.reduce_mean(tf.square(g))) + 1e-5)
        x = x + STEP_SIZE * g
        objs.append(float(obj.numpy()))
        xs.append(x.numpy())
    final = float(objective(model(x, training=False)).numpy())
    return objs, final, xs


def generate(out):
    import keras
    import tensorflow as tf
    d = os.path.join(out, "maximize")
    os.makedirs(d, exist_ok=True)
    m, _ = M.small_models()["conv_small"]
    r = np.random.default_rng(20181204)
    start = C.f32(r.random((1, 32, 32, 3)) + 100.0)
    C.save_npy(os.path.join(d, "start.npy"), start)
    lm = M.logit_model(keras, m)
    sub = keras.Model(m.inputs, m.get_layer("conv4").output)
    targets = [
        ("class3", lm, lambda z: tf.reduce_mean(z[:, 3]),
         "mean over the batch (1 item) of the pre-softmax logit of class 3 (dense2 with linear activation)"),
        ("conv4_ch5", sub, lambda a: tf.reduce_mean(a[..., 5]),
         "mean of conv4's output (after its fused ReLU) channel 5 over batch and spatial positions"),
    ]
    exp = {"model_file": "../models/conv_small.keras3.h5", "start": "start.npy",
           "start_definition": "numpy default_rng(20181204).random((1,32,32,3)) + 100.0, float32",
           "steps": STEPS, "step_size": STEP_SIZE,
           "update": "g = d(objective)/dx; g = g / (sqrt(mean(g^2)) + 1e-5); x = x + step_size * g",
           "targets": {}}
    for key, model, f, desc in targets:
        objs, final, xs = run(model, start, f)
        files = []
        for k, xk in enumerate(xs, 1):
            fn = f"{key}/step_{k}.npy"
            C.save_npy(os.path.join(d, fn), xk)
            files.append(fn)
        exp["targets"][key] = {"objective": desc, "objective_before_step": objs,
                               "objective_after_last_step": final, "step_files": files}
    C.dump_json(os.path.join(d, "expected.json"), exp)
