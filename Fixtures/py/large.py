"""--large: full-size models into Fixtures/cache/ (gitignored)."""
import os

import numpy as np

from . import common as C
from . import models as M

EXPECTED = {"conv": (3410184, 0), "vonc": (1791144, 0),
            "vgg16": (138357544, 0), "resnet50": (25636712, 53120)}


def caffe_input(seed):
    """A random RGB image in [0,255) put through caffe preprocessing
    (RGB->BGR, minus ImageNet means), batch 1, 224x224x3."""
    r = np.random.default_rng(seed)
    rgb = r.uniform(0, 255, (1, 224, 224, 3))
    bgr = rgb[..., ::-1] - np.array([103.939, 116.779, 123.68])
    return C.f32(bgr)


def _fast_seeded_weights(model, key):
    # big models: one RNG stream per model (init_weights per layer is fine too)
    C.init_weights(model, key)


def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "cache")
    os.makedirs(d, exist_ok=True)
    exp = {}
    # Conv / Vonc: tf-keras save_weights of the paper's exact architectures
    for name, build in (("conv", lambda K: M.build_conv(K, (32, 32, 64, 64, 128, 128), 1024, 1000, "conv")),
                        ("vonc", M.build_vonc)):
        C.seed_all()
        m = build(tf_keras)
        C.init_weights(m, name)
        x = C.f32(np.random.default_rng(5).random((1, 32, 32, 3)))
        y = np.asarray(m(x, training=False))
        m.save_weights(os.path.join(d, f"{name}.weights.h5"))
        C.save_npy(os.path.join(d, f"{name}.in.npy"), x)
        C.save_npy(os.path.join(d, f"{name}.out.npy"), y)
        exp[name] = {"file": f"{name}.weights.h5", "writer": "tf_keras save_weights",
                     **C.param_counts(m), "input": f"{name}.in.npy", "output": f"{name}.out.npy"}
    # VGG16 / ResNet50 from keras.applications (Keras 3), seeded weights
    for name, ctor in (("vgg16", keras.applications.VGG16), ("resnet50", keras.applications.ResNet50)):
        C.seed_all()
        keras.backend.clear_session()
        m = ctor(weights=None)
        C.init_weights(m, name)
        x = caffe_input(11)
        y = np.asarray(m(x, training=False))
        # The same network with a linear classifier: the pre-softmax logits, which (unlike the saturated
        # softmax of random weights) compare every class.
        lin = ctor(weights=None, classifier_activation=None)
        lin.set_weights(m.get_weights())
        z = np.asarray(lin(x, training=False))
        m.save(os.path.join(d, f"{name}.keras3.h5"))
        C.save_npy(os.path.join(d, f"{name}.in.npy"), x)
        C.save_npy(os.path.join(d, f"{name}.out.npy"), y)
        C.save_npy(os.path.join(d, f"{name}.logits.npy"), z)
        exp[name] = {"file": f"{name}.keras3.h5", **C.param_counts(m),
                     "input": f"{name}.in.npy", "output": f"{name}.out.npy", "logits": f"{name}.logits.npy",
                     "input_preprocessing": "caffe: random RGB uniform[0,255) -> BGR - (103.939,116.779,123.68)"}
        if name == "vgg16":
            m.save_weights(os.path.join(d, "vgg16.keras3.weights.h5"))
            exp[name]["weights_only"] = "vgg16.keras3.weights.h5"
        else:
            tf_keras.backend.clear_session()
            mt = tf_keras.applications.ResNet50(weights=None)
            mt.set_weights(m.get_weights())
            yt = np.asarray(mt(x, training=False))
            mt.save_weights(os.path.join(d, "resnet50.tfkeras-weights.h5"))
            exp[name]["weights_only"] = "resnet50.tfkeras-weights.h5"
            exp[name]["tfkeras_output_max_abs_diff"] = float(np.abs(yt - y).max())
        del m
    for k, (tot, nt) in EXPECTED.items():
        assert exp[k]["total_params"] == tot, (k, exp[k]["total_params"])
        assert exp[k]["non_trainable_params"] == nt, (k, exp[k]["non_trainable_params"])
    C.dump_json(os.path.join(d, "expected_large.json"), exp)
