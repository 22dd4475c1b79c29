"""Issue 18, attribution slice: occlusion, Integrated Gradients (fixed baselines), Grad-CAM++, Score-CAM,
SmoothGrad and the deletion/insertion curves computed with TensorFlow from the issue's definitions, on
committed models: the trained demo model (Sequential), resnet_small (a DAG) and the channels-first CNN.
Images are given channels last, (1, H, W, C), as ConvScope's image view takes them; the channels-first
model sees them transposed."""
import os

import numpy as np
from PIL import Image

from . import common as C
from . import models as M

DEMO = {"name": "demo", "model": "../demo/digits_conv.h5", "class": 3, "layer": "pool4", "probe": ("conv3", 5)}
DAG = {"name": "resnet", "model": "../models/resnet_small.keras3.h5", "class": None, "layer": "conv3_block1_out"}
CHFIRST = {"name": "chfirst", "model": "../chfirst/cnn.keras3.h5", "class": None, "layer": "conv_b", "chfirst": True}
OCCLUSION = {"patch": 8, "stride": 4, "fill": 0.0}
IG_STEPS = 16
SMOOTH = {"samples": 64, "noise": 0.15}
CURVE_STEPS = 16


def _feed(case, x):
    return np.transpose(x, (0, 3, 1, 2)) if case.get("chfirst") else x


def _layer_last(case, a):
    a = np.asarray(a, np.float64)
    return np.transpose(a, (0, 2, 3, 1)) if case.get("chfirst") else a


def _softmax(z):
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _probabilities(lm, case, xs, batch=16):
    out = [np.asarray(lm(_feed(case, xs[i:i + batch]), training=False)) for i in range(0, len(xs), batch)]
    return _softmax(np.concatenate(out))


def _input_gradients(lm, case, xs, c, batch=16):
    import tensorflow as tf
    gs = []
    for i in range(0, len(xs), batch):
        xt = tf.convert_to_tensor(_feed(case, xs[i:i + batch]))
        with tf.GradientTape() as t:
            t.watch(xt)
            obj = tf.reduce_sum(lm(xt, training=False)[:, c])
        g = t.gradient(obj, xt).numpy()
        gs.append(np.transpose(g, (0, 2, 3, 1)) if case.get("chfirst") else g)
    return np.concatenate(gs).astype(np.float64)


def integrated_gradients(lm, case, x, x0, c, steps):
    alphas = np.arange(1, steps + 1, dtype=np.float32) / np.float32(steps)
    xs = np.stack([x0[0] + a * (x[0] - x0[0]) for a in alphas]).astype(np.float32)
    g = _input_gradients(lm, case, xs, c).sum(0) / steps
    return (x[0].astype(np.float64) - x0[0]) * g


def layer_and_gradient(keras, lm, case, x, c):
    import tensorflow as tf
    xt = tf.convert_to_tensor(_feed(case, x))
    with tf.GradientTape() as t:
        if lm.__class__.__name__ == "Sequential":                       # layer by layer: A stays on the tape
            h = xt
            for layer in lm.layers:
                h = layer(h, training=False)
                if layer.name == case["layer"]:
                    a = h
            z = h
        else:
            a, z = keras.Model(lm.inputs, [lm.get_layer(case["layer"]).output, lm.outputs[0]])(xt, training=False)
        obj = z[0, c]
    g = t.gradient(obj, a)
    return _layer_last(case, a)[0], _layer_last(case, g)[0]               # (h, w, K) each


def gradcam_pp(keras, lm, case, x, c):
    a, g = layer_and_gradient(keras, lm, case, x, c)
    cubes = (a * g ** 3).sum(axis=(0, 1))
    den = 2 * g ** 2 + cubes
    alpha = np.where(den != 0, g ** 2 / np.where(den != 0, den, 1), 0)
    w = (alpha * np.maximum(g, 0)).sum(axis=(0, 1))
    return np.maximum((a * w).sum(-1), 0)


def score_cam(keras, lm, case, x, c):
    import tensorflow as tf
    sub = keras.Model(lm.inputs, lm.get_layer(case["layer"]).output)
    a = _layer_last(case, sub(_feed(case, x), training=False))[0].astype(np.float32)   # (h, w, K)
    H, W = x.shape[1], x.shape[2]
    up = tf.image.resize(np.transpose(a, (2, 0, 1))[..., None], (H, W), method="bilinear").numpy()[..., 0]  # (K, H, W)
    lo, hi = up.min(axis=(1, 2), keepdims=True), up.max(axis=(1, 2), keepdims=True)
    masks = np.where(hi > lo, (up - lo) / np.where(hi > lo, hi - lo, 1), 0).astype(np.float32)
    xs = (x[0][None] * masks[..., None]).astype(np.float32)
    p = _probabilities(lm, case, xs)[:, c]
    p0 = _probabilities(lm, case, np.zeros_like(x))[0, c]
    alpha = p - p0
    return np.maximum((a.astype(np.float64) * alpha).sum(-1), 0)


def occlusion(lm, case, x, c, keras, patch, stride, fill, probe=None):
    H, W = x.shape[1], x.shape[2]
    ys, xs = range(0, H - patch + 1, stride), range(0, W - patch + 1, stride)
    imgs = []
    for y0 in ys:
        for x0 in xs:
            im = x[0].copy()
            im[y0:y0 + patch, x0:x0 + patch, :] = fill
            imgs.append(im)
    imgs = np.stack(imgs).astype(np.float32)
    p = _probabilities(lm, case, imgs)
    shape = (len(ys), len(xs))
    out = {"probability": p[:, c].reshape(shape)}
    if probe:
        sub = keras.Model(lm.inputs, lm.get_layer(probe[0]).output)
        acts = np.concatenate([_layer_last(case, sub(_feed(case, imgs[i:i + 16]), training=False)) for i in range(0, len(imgs), 16)])
        out["activation"] = acts[..., probe[1]].reshape(len(imgs), -1).sum(1).reshape(shape)
        out["top_class"] = p.argmax(1).reshape(shape).astype(np.float64)
    return out


def curve(lm, case, x, rank_map, c, metric, steps):
    H, W, Ch = x.shape[1:]
    flat = rank_map.reshape(-1)
    order = sorted(range(H * W), key=lambda i: (-float(flat[i]), i))
    imgs = []
    for k in range(steps + 1):
        n = (2 * k * H * W + steps) // (2 * steps)
        im = x[0].copy() if metric == "deletion" else np.zeros_like(x[0])
        idx = np.array(order[:n], dtype=np.int64)
        ry, rx = idx // W, idx % W
        im[ry, rx, :] = 0 if metric == "deletion" else x[0][ry, rx, :]
        imgs.append(im)
    p = _probabilities(lm, case, np.stack(imgs).astype(np.float32))[:, c]
    area = float(sum((p[k] + p[k + 1]) / 2 / steps for k in range(steps)))
    return p, area


def smoothgrad(lm, case, x, c, samples, noise, seed=0):
    rng = np.random.default_rng(seed)
    sigma = noise * (x.max() - x.min())
    xs = (x[0][None] + rng.normal(0, sigma, (samples,) + x.shape[1:])).astype(np.float32)
    g = _input_gradients(lm, case, xs, c)
    return g.mean(0), g.var(0)


def demo_input():
    im = np.asarray(Image.open(os.path.join(os.path.dirname(__file__), "..", "demo", "digit_3.png")).convert("RGB"))
    return C.f32(im[None] / 255.0)


def generate(out):
    import keras
    d = os.path.join(out, "attribution")
    os.makedirs(d, exist_ok=True)
    C.seed_all()
    inputs = {
        "demo": demo_input(),
        "resnet": C.f32(np.load(os.path.join(out, "models", "resnet_small.in.npy"))[:1]),
        "chfirst": C.f32(np.transpose(np.load(os.path.join(out, "chfirst", "cnn.in.npy"))[:1], (0, 2, 3, 1))),
    }
    cases = []
    for case in (DEMO, DAG, CHFIRST):
        keras.backend.clear_session()
        m = keras.models.load_model(os.path.normpath(os.path.join(d, case["model"])), compile=False)
        lm = M.logit_model(keras, m)
        x, c, n = inputs[case["name"]], case["class"], case["name"]
        if c is None:   # a seeded model: the class whose Score-CAM is largest, so that the map is not all zero
            c = int(np.argmax([score_cam(keras, lm, case, x, k).max() for k in range(lm.outputs[0].shape[-1])]))
        C.save_npy(os.path.join(d, f"{n}.in.npy"), x)
        entry = {"name": n, "model": case["model"], "input": f"{n}.in.npy", "class": c, "layer": case["layer"],
                 "files": {}}
        def save(key, a):
            fn = f"{n}.{key}.npy"
            C.save_npy(os.path.join(d, fn), a)
            entry["files"][key] = fn
        ig = integrated_gradients(lm, case, x, np.zeros_like(x), c, IG_STEPS)
        save("ig_zeros", ig)
        base = C.f32(C.rng_for("attribution-baseline", n).uniform(x.min(), x.max(), x.shape))
        save("ig_baseline", base)
        save("ig_uniform", integrated_gradients(lm, case, x, base, c, IG_STEPS // 2))
        save("gradcampp", gradcam_pp(keras, lm, case, x, c))
        save("scorecam", score_cam(keras, lm, case, x, c))
        occ = occlusion(lm, case, x, c, keras, **OCCLUSION, probe=case.get("probe"))
        for k, v in occ.items():
            save(f"occlusion_{k}", v)
        rank = ig.sum(-1)
        save("rank_map", rank)
        entry["curves"] = {}
        for metric in ("deletion", "insertion"):
            p, area = curve(lm, case, x, rank, c, metric, CURVE_STEPS)
            save(f"{metric}_curve", p)
            entry["curves"][metric] = area
        if n == "demo":
            mean, var = smoothgrad(lm, case, x, c, **SMOOTH)
            save("smoothgrad", mean)
            save("vargrad", var)
            entry["probe"] = list(case["probe"])
        cases.append(entry)
    C.dump_json(os.path.join(d, "cases.json"), {"occlusion": OCCLUSION, "ig_steps": IG_STEPS, "smoothgrad": SMOOTH,
                                               "curve_steps": CURVE_STEPS, "cases": cases})
    print(f"  attribution: {len(cases)} models")
    generate_mufidelity(out)


# ---- MuFidelity (attribution slice, issue 18): Bhatt et al. 2020 as Xplique defines it with a grid, on the
# subsets ConvScope draws (one SplitMix64 stream, u per cell row-major, subset after subset, removed when
# u < fraction); the masks upsampled with tf.image.resize nearest; score = Pearson(sums, drops).
MUFIDELITY = {"grid": 9, "fraction": 0.2, "subsets": 48, "seed": 7, "baseline": 0.0}


def _splitmix_units(seed, n):
    mask = (1 << 64) - 1
    state, out = seed & mask, []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        out.append((z >> 11) * 2.0 ** -53)
    return np.array(out)


def mufidelity(lm, case, x, rank_map, c, grid, fraction, subsets, seed, baseline):
    import tensorflow as tf
    H, W = x.shape[1], x.shape[2]
    removed = (_splitmix_units(seed, subsets * grid * grid) < fraction).reshape(subsets, grid, grid, 1)
    kept = tf.image.resize((~removed).astype(np.float32), (H, W), method="nearest").numpy()     # (n, H, W, 1)
    xs = (x[0][None] * kept + (1 - kept) * np.float32(baseline)).astype(np.float32)
    p = _probabilities(lm, case, xs)[:, c]
    p_x = _probabilities(lm, case, x)[0, c]
    drops = p_x - p
    sums = ((1 - kept[..., 0]).astype(np.float64) * np.asarray(rank_map, np.float64)[None]).sum(axis=(1, 2))
    score = 0.0 if sums.std() == 0 or drops.std() == 0 else float(np.corrcoef(sums, drops)[0, 1])
    return sums, drops, score


def generate_mufidelity(out):
    """attribution/mufidelity.json and its .npy files: the demo model's rank map (IG) scored by MuFidelity."""
    import keras
    d = os.path.join(out, "attribution")
    keras.backend.clear_session()
    m = keras.models.load_model(os.path.normpath(os.path.join(d, DEMO["model"])), compile=False)
    lm = M.logit_model(keras, m)
    x, rank = np.load(os.path.join(d, "demo.in.npy")), np.load(os.path.join(d, "demo.rank_map.npy"))
    sums, drops, score = mufidelity(lm, DEMO, x, rank, DEMO["class"], **MUFIDELITY)
    C.save_npy(os.path.join(d, "demo.mufidelity_sums.npy"), sums)
    C.save_npy(os.path.join(d, "demo.mufidelity_drops.npy"), drops)
    C.dump_json(os.path.join(d, "mufidelity.json"), {"settings": MUFIDELITY, "input": "demo.in.npy", "map": "demo.rank_map.npy",
                                                     "class": DEMO["class"], "score": score,
                                                     "sums": "demo.mufidelity_sums.npy", "drops": "demo.mufidelity_drops.npy"})
    print(f"  attribution: MuFidelity {score:.4f}")
