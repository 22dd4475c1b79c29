"""Reference runs for TrainingTests.swift (run with the pinned venv: python make.py).

For each case: a small Sequential model, its layer configs and initial weights, fixed batches,
N=5 `train_on_batch` steps with a Keras 3 optimizer, the per-step losses and the final weights.
Writes <case>.json next to this script (float32 values written exactly as Python floats).
"""
import json, os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 5


@keras.saving.register_keras_serializable()
class LegacyDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Keras 2's legacy `decay`: lr / (1 + decay * iterations), iterations before the update."""
    def __init__(self, lr, decay):
        self.lr, self.decay = lr, decay
    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        return self.lr / (1.0 + self.decay * step)
    def get_config(self):
        return {"lr": self.lr, "decay": self.decay}


def dense_model(constraint=None):
    return keras.Sequential([
        keras.Input((6,), name="input"),
        keras.layers.Dense(5, activation="relu", name="d1", kernel_constraint=constraint),
        keras.layers.Dense(3, activation="softmax", name="d2"),
    ])


def conv_model():
    return keras.Sequential([
        keras.Input((6, 6, 2), name="input"),
        keras.layers.Conv2D(3, 3, activation="relu", name="c1"),
        keras.layers.MaxPooling2D(2, name="p1"),
        keras.layers.Flatten(name="f1"),
        keras.layers.Dense(4, activation="softmax", name="d1"),
    ])


def bn_model():
    return keras.Sequential([
        keras.Input((6,), name="input"),
        keras.layers.Dense(5, use_bias=False, name="d1"),  # a bias before BN has gradient 0 + rounding noise
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.Activation("relu", name="r1"),
        keras.layers.Dense(3, activation="softmax", name="d2"),
    ])


def optimizers():
    return {
        "adam_decay": lambda: keras.optimizers.Adam(learning_rate=LegacyDecay(1e-3, 1e-2)),
        "sgd_momentum": lambda: keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
        "sgd_nesterov": lambda: keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
        "rmsprop": lambda: keras.optimizers.RMSprop(),
    }


def flat(a):
    return {"shape": list(a.shape), "data": [float(v) for v in np.asarray(a, np.float32).ravel()]}


def run(name, make_model, make_opt, x_shape, classes, seed):
    keras.utils.set_random_seed(seed)
    model = make_model()
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=(8,) + x_shape).astype(np.float32) for _ in range(STEPS)]
    ys = [np.eye(classes, dtype=np.float32)[rng.integers(0, classes, 8)] for _ in range(STEPS)]
    layers = [{"class_name": "InputLayer", "name": "input",
               "config": {"batch_shape": [None] + list(x_shape), "name": "input"}, "weights": []}]
    for l in model.layers:
        layers.append({"class_name": l.__class__.__name__, "name": l.name, "config": l.get_config(),
                       "weights": [flat(w) for w in l.get_weights()]})
    model.compile(optimizer=make_opt(), loss="categorical_crossentropy")
    losses = [float(model.train_on_batch(x, y)) for x, y in zip(xs, ys)]
    case = {"layers": layers, "x": [flat(x) for x in xs], "y": [flat(y) for y in ys], "losses": losses,
            "final": {l.name: [flat(w) for w in l.get_weights()] for l in model.layers}}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(case, f, default=lambda o: None)
    print(name, "losses", np.round(losses, 5))


if __name__ == "__main__":
    print("keras", keras.__version__)
    for opt_name, make_opt in optimizers().items():
        run("dense_" + opt_name, dense_model, make_opt, (6,), 3, 1)
        run("conv_" + opt_name, conv_model, make_opt, (6, 6, 2), 4, 2)
    # BatchNormalization in training mode: batch statistics, moving averages updated by the layer.
    run("bn_adam", bn_model, lambda: keras.optimizers.Adam(), (6,), 3, 4)
    # Max-norm: a big SGD step pushes d1's kernel columns past norm 3; the constraint pulls them back.
    run("dense_maxnorm", lambda: dense_model(keras.constraints.MaxNorm(3)),
        lambda: keras.optimizers.SGD(learning_rate=5.0), (6,), 3, 3)
