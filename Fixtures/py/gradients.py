"""Section 4: gradient / DeconvNet / guided backprop references."""
import contextlib
import os

import numpy as np

from . import common as C
from . import models as M

TARGETS = {
    # (dense1, 10) and (conv2_block2_out, 5) are dead units for item 0 (objective 0):
    # plain/guided gradients are all zero there, DeconvNet's are not.
    "conv_small": [("conv2", 3), ("conv4", 5), ("conv6", 7), ("pool6", 1), ("dense1", 9), ("dense1", 10)],
    "resnet_small": [("conv1_relu", 2), ("conv2_block2_out", 4), ("conv2_block2_out", 5),
                     ("conv3_block1_out", 9)],
}
SALIENCY = {"conv_small": 3, "resnet_small": 7}
RULES = ["gradient", "deconvnet", "guided"]


def relu_fns():
    import tensorflow as tf

    @tf.custom_gradient
    def deconv_relu(x):
        def grad(dy):
            return tf.nn.relu(dy)
        return tf.nn.relu(x), grad

    @tf.custom_gradient
    def guided_relu(x):
        def grad(dy):
            return dy * tf.cast(x > 0, dy.dtype) * tf.cast(dy > 0, dy.dtype)
        return tf.nn.relu(x), grad

    return {"deconvnet": deconv_relu, "guided": guided_relu}


def _is_relu(fn):
    import keras
    return fn is keras.activations.relu or getattr(fn, "__name__", "") == "relu"


@contextlib.contextmanager
def patched(model, rule):
    """Swap every ReLU (fused activation='relu' and Activation('relu'); ReLU
    layers too) for the rule's custom-gradient ReLU."""
    if rule == "gradient":
        yield
        return
    fn = relu_fns()[rule]
    saved = []
    for l in C.leaf_layers(model):
        if l.__class__.__name__ == "ReLU":
            saved.append((l, "call", l.call))
            l.call = lambda x, *a, **k: fn(x)
        elif hasattr(l, "activation") and _is_relu(l.activation):
            saved.append((l, "activation", l.activation))
            l.activation = fn
    try:
        yield
    finally:
        for l, attr, v in saved:
            setattr(l, attr, v)


def input_gradient(model, x, f):
    import tensorflow as tf
    xt = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        obj = f(model(xt, training=False))
    return tape.gradient(obj, xt).numpy(), float(obj.numpy())


def channel_objective(c):
    import tensorflow as tf
    def f(a):
        return tf.reduce_sum(a[0, ..., c])
    return f


def generate(out):
    import keras
    d = os.path.join(out, "gradients")
    os.makedirs(d, exist_ok=True)
    cases = []
    for name, (m, x) in M.small_models().items():
        x0 = x[:1]
        for layer, ch in TARGETS[name]:
            sub = keras.Model(m.inputs, m.get_layer(layer).output)
            for rule in RULES:
                with patched(m, rule):
                    g, obj = input_gradient(sub, x0, channel_objective(ch))
                fn = f"{name}.{rule}.{layer}.{ch}.npy"
                C.save_npy(os.path.join(d, fn), g[0])
                cases.append({"model": name, "model_file": f"../models/{name}.keras3.h5",
                              "input": f"../models/{name}.in.npy", "item": 0, "rule": rule,
                              "layer": layer, "channel": ch, "objective": obj,
                              "file": fn, "shape": list(g[0].shape),
                              "nonzero": int(np.count_nonzero(g))})
        c = SALIENCY[name]
        lm = M.logit_model(keras, m)
        g, obj = input_gradient(lm, x0, lambda z: z[0, c])
        fn = f"{name}.saliency.class{c}.npy"
        C.save_npy(os.path.join(d, fn), g[0])
        cases.append({"model": name, "model_file": f"../models/{name}.keras3.h5",
                      "input": f"../models/{name}.in.npy", "item": 0, "rule": "saliency",
                      "layer": m.layers[-1].name, "channel": c, "objective": obj,
                      "file": fn, "shape": list(g[0].shape), "nonzero": int(np.count_nonzero(g))})
    C.dump_json(os.path.join(d, "cases.json"), cases)
