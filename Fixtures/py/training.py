"""Section 6: optimizer references (5 train_on_batch steps)."""
import os

import numpy as np

from . import common as C

STEPS = 5
BATCH = 16
DECAY = 1e-2


def build_small(K):
    L = K.layers
    return K.Sequential([
        K.Input((8, 8, 3), name="input"),
        L.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(8, 3, padding="same", activation="relu", name="conv2"),
        L.Flatten(name="flatten"),
        L.Dense(16, activation="relu", name="dense1"),
        L.Dense(4, activation="softmax", name="dense2"),
    ], name="small")


def build_small_bn(K):
    L = K.layers
    return K.Sequential([
        K.Input((8, 8, 3), name="input"),
        L.Conv2D(4, 3, padding="same", name="conv1"),
        L.BatchNormalization(name="bn1"),
        L.Activation("relu", name="relu1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Flatten(name="flatten"),
        L.Dense(4, activation="softmax", name="dense1"),
    ], name="small_bn")


def optimizers(keras, tf_keras):
    """name -> (keras3 factory, tf_keras factory or None, description)"""
    return {
        "adam_decay": (lambda: keras.optimizers.Adam(
            learning_rate=keras.optimizers.schedules.InverseTimeDecay(1e-3, decay_steps=1, decay_rate=DECAY)),
            lambda: tf_keras.optimizers.legacy.Adam(learning_rate=1e-3, decay=DECAY),
            "Adam(learning_rate=1e-3) with legacy decay 1e-2: lr_t = 1e-3 / (1 + 1e-2 * t), "
            "t = number of updates already applied (0 for the first). Keras 3: InverseTimeDecay("
            "1e-3, decay_steps=1, decay_rate=1e-2); tf_keras: optimizers.legacy.Adam(decay=1e-2)"),
        "sgd_momentum": (lambda: keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                         lambda: tf_keras.optimizers.legacy.SGD(learning_rate=0.01, momentum=0.9),
                         "SGD(learning_rate=0.01, momentum=0.9), not nesterov"),
        "rmsprop": (lambda: keras.optimizers.RMSprop(),
                    lambda: tf_keras.optimizers.legacy.RMSprop(),
                    "RMSprop() with Keras defaults"),
    }


def _cfg(opt):
    cfg = opt.get_config()
    return C.tolist({k: v for k, v in cfg.items()})


def generate(out):
    import keras
    import tf_keras
    d = os.path.join(out, "training")
    os.makedirs(d, exist_ok=True)
    exp = {"steps": STEPS, "batch_size": BATCH, "loss": "categorical_crossentropy",
           "batches": "step k (0-based) uses samples [(16*k) % 64, (16*k) % 64 + 16); no shuffling",
           "models": {}}
    for name, build in (("small", build_small), ("small_bn", build_small_bn)):
        C.seed_all()
        r = C.rng_for("training-data", name)
        x = C.f32(r.random((64, 8, 8, 3)))
        y = np.eye(4, dtype=np.float32)[r.integers(0, 4, 64)]
        C.save_npy(os.path.join(d, f"{name}.x.npy"), x)
        C.save_npy(os.path.join(d, f"{name}.y.npy"), y)
        m0 = build(keras)
        C.init_weights(m0, "train-" + name)
        m0.save(os.path.join(d, f"{name}.init.h5"))
        init_w = m0.get_weights()
        me = {"init": f"{name}.init.h5", "x": f"{name}.x.npy", "y": f"{name}.y.npy",
              "optimizers": {}}
        for oname, (f3, ft, desc) in optimizers(keras, tf_keras).items():
            C.seed_all()
            m = build(keras)
            m.set_weights(init_w)
            opt = f3()
            m.compile(optimizer=opt, loss="categorical_crossentropy")
            losses = []
            for k in range(STEPS):
                s = (BATCH * k) % 64
                losses.append(float(np.asarray(m.train_on_batch(x[s:s + BATCH], y[s:s + BATCH]))))
            fn = f"{name}.{oname}.after.h5"
            m.save(os.path.join(d, fn), include_optimizer=False)
            w3 = m.get_weights()
            entry = {"description": desc, "after": fn, "losses": losses,
                     "keras3_config": _cfg(opt),
                     "iterations_after": int(np.asarray(opt.iterations))}
            # same with tf_keras' legacy optimizer
            tf_keras.backend.clear_session()
            mt = build(tf_keras)
            mt.set_weights(init_w)
            optt = ft()
            mt.compile(optimizer=optt, loss="categorical_crossentropy")
            lt = []
            for k in range(STEPS):
                s = (BATCH * k) % 64
                lt.append(float(np.asarray(mt.train_on_batch(x[s:s + BATCH], y[s:s + BATCH]))))
            wt = mt.get_weights()
            diff = max(float(np.abs(a - b).max()) for a, b in zip(w3, wt))
            per = {v.path: float(np.abs(a - b).max()) for v, a, b in zip(m.weights, w3, wt)}
            entry["tf_keras_legacy"] = {"config": _cfg(optt), "losses": lt,
                                        "max_abs_diff_per_weight": per,
                                        "max_abs_weight_diff_vs_keras3": diff,
                                        "agree_1e-5": bool(diff < 1e-5)}
            me["optimizers"][oname] = entry
        exp["models"][name] = me
    C.dump_json(os.path.join(d, "expected.json"), exp)
