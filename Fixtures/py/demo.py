"""Section 7: a small Conv-like model really trained on scikit-learn digits."""
import os

import numpy as np
from PIL import Image

from . import common as C


def digits_32():
    from sklearn.datasets import load_digits
    dg = load_digits()
    imgs = []
    for im in dg.images:  # 8x8, 0..16
        u8 = np.round(im / 16.0 * 255.0).astype(np.uint8)
        big = Image.fromarray(u8, "L").resize((32, 32), Image.BILINEAR)
        imgs.append(np.asarray(big.convert("RGB")))
    return np.stack(imgs), dg.target.astype(np.int64)  # uint8 (N,32,32,3)


def build(K):
    L = K.layers
    mn = K.constraints.MaxNorm(3)
    return K.Sequential([
        K.Input((32, 32, 3), name="input"),
        L.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
        L.Dropout(0.2, name="dropout1"),
        L.Conv2D(16, 3, padding="same", activation="relu", name="conv2"),
        L.MaxPooling2D(2, name="pool2"),
        L.Conv2D(32, 3, padding="same", activation="relu", name="conv3"),
        L.Dropout(0.2, name="dropout2"),
        L.Conv2D(32, 3, padding="same", activation="relu", name="conv4"),
        L.MaxPooling2D(2, name="pool4"),
        L.Flatten(name="flatten"),
        L.Dropout(0.2, name="dropout3"),
        L.Dense(64, activation="relu", kernel_constraint=mn, name="dense1"),
        L.Dropout(0.2, name="dropout4"),
        L.Dense(10, activation="softmax", name="dense2"),
    ], name="digits_conv")


def generate(out):
    import keras
    d = os.path.join(out, "demo")
    os.makedirs(d, exist_ok=True)
    C.seed_all()
    X, y = digits_32()
    r = np.random.default_rng(7)
    idx = r.permutation(len(X))
    n_test = 360
    test, train = idx[:n_test], idx[n_test:]
    # the 10 demo images: first test image of each digit
    picks = [int(next(i for i in test if y[i] == k)) for k in range(10)]
    xtr = X[train].astype(np.float32) / 255.0
    ytr = np.eye(10, dtype=np.float32)[y[train]]
    xte = X[test].astype(np.float32) / 255.0
    model = build(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    hist = []
    acc = 0.0
    for epoch in range(1, 16):
        h = model.fit(xtr, ytr, batch_size=32, epochs=1, shuffle=True, verbose=0)
        pred = np.asarray(model(xte, training=False))
        acc = float((pred.argmax(1) == y[test]).mean())
        hist.append({"epoch": epoch, "loss": float(h.history["loss"][0]),
                     "train_accuracy": float(h.history["accuracy"][0]), "test_accuracy": acc})
        if acc > 0.96 and epoch >= 3:
            break
    assert acc > 0.95, acc
    p = os.path.join(d, "digits_conv.h5")
    model.save(p, include_optimizer=False)
    expected = {"model": "digits_conv.h5", "test_accuracy": acc, "test_count": n_test,
                "train_count": int(len(train)), "epochs": len(hist), "history": hist,
                "preprocessing": "scale: pixel/255, RGB (grey replicated)",
                **C.param_counts(model), "images": []}
    m2 = keras.models.load_model(p, compile=False)
    for k, i in enumerate(picks):
        fn = f"digit_{k}.png"
        Image.fromarray(X[i]).save(os.path.join(d, fn), optimize=False)
        img = keras.utils.load_img(os.path.join(d, fn))
        arr = keras.utils.img_to_array(img)[None] / 255.0
        prob = np.asarray(m2(arr, training=False))[0]
        expected["images"].append({"file": fn, "label": k, "dataset_index": i,
                                   "probabilities": [float(v) for v in prob],
                                   "predicted": int(prob.argmax())})
    # cat photo
    from skimage import data as skdata
    cat = Image.fromarray(skdata.chelsea())
    cat.resize((224, 224), Image.BICUBIC).save(os.path.join(d, "cat224.jpg"), quality=90)
    cat.resize((32, 32), Image.BICUBIC).save(os.path.join(d, "cat32.png"), optimize=False)
    expected["cat"] = {"source": "skimage.data.chelsea() (300x451 RGB)",
                       "cat224.jpg": "PIL BICUBIC resize to 224x224, JPEG quality 90",
                       "cat32.png": "PIL BICUBIC resize to 32x32, PNG"}
    C.dump_json(os.path.join(d, "expected.json"), expected)
    print(f"  demo: test accuracy {acc:.4f} after {len(hist)} epochs; "
          f"{sum(e['predicted'] == e['label'] for e in expected['images'])}/10 demo digits right")
