#!/usr/bin/env python3
"""TensorFlow's side of `convscope bench attribution` (issue 18): the same methods, batched the same way
(16 images per call), on the same seeded random-weight Keras applications; prints one JSON object.

    python Benchmarks/attribution_bench.py occlusion --patch 32 --stride 8 --threads 2 --repeats 1
    python Benchmarks/attribution_bench.py ig --steps 32
    python Benchmarks/attribution_bench.py scorecam --channels 2048
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf_reference as R  # noqa: E402

BATCH = 16


def spec(tf):
    """Any batch size, one trace (the last, partial batch must not retrace inside the timed run)."""
    return [tf.TensorSpec([None, 224, 224, 3], tf.float32)]


def probabilities_fn(tf, model):
    return tf.function(lambda t: tf.nn.softmax(model(t, training=False), axis=-1), input_signature=spec(tf))


def cmd_occlusion(a, tf, keras, np):
    model = R.build_model(keras, "vgg16", logits=True)
    x = R.caffe_input(np, "vgg16", 1)[0]
    f = probabilities_fn(tf, model)
    H, W = x.shape[:2]
    corners = [(y, z) for y in range(0, H - a.patch + 1, a.stride) for z in range(0, W - a.patch + 1, a.stride)]

    def run(batches=None):
        out = []
        for i in range(0, len(corners) if batches is None else BATCH * batches, BATCH):
            b = np.repeat(x[None], len(corners[i:i + BATCH]), axis=0)
            for j, (y, z) in enumerate(corners[i:i + BATCH]):
                b[j, y:y + a.patch, z:z + a.patch, :] = 0
            out.append(f(tf.constant(b)).numpy()[:, 0])
        return np.concatenate(out)
    return {"positions": len(corners)}, run


def cmd_ig(a, tf, keras, np):
    model = R.build_model(keras, "resnet50", logits=True)
    x = R.caffe_input(np, "resnet50", 1)
    x0 = np.zeros_like(x)

    @tf.function(input_signature=spec(tf))
    def grads(t):
        with tf.GradientTape() as tape:
            tape.watch(t)
            s = tf.reduce_sum(model(t, training=False)[:, 0])
        return tape.gradient(s, t)

    def run(batches=None):
        total = np.zeros_like(x[0], dtype=np.float64)
        alphas = np.arange(1, a.steps + 1, dtype=np.float32) / a.steps
        for i in range(0, a.steps if batches is None else BATCH * batches, BATCH):
            b = x0 + alphas[i:i + BATCH, None, None, None] * (x - x0)
            total += grads(tf.constant(b)).numpy().sum(0)
        return (x[0] - x0[0]) * total / a.steps
    return {"steps": a.steps}, run


def cmd_scorecam(a, tf, keras, np):
    model = R.build_model(keras, "resnet50", logits=True)
    x = R.caffe_input(np, "resnet50", 1)
    layer = keras.Model(model.inputs, model.get_layer("conv5_block3_out").output)
    feature = tf.function(lambda t: layer(t, training=False), input_signature=spec(tf))
    f = probabilities_fn(tf, model)

    def run(batches=None):
        A = feature(tf.constant(x)).numpy()[0][..., :a.channels]                     # (7, 7, K)
        p0 = f(tf.constant(np.zeros_like(x))).numpy()[0, 0]
        alphas = []
        for i in range(0, A.shape[-1] if batches is None else BATCH * batches, BATCH):
            m = tf.image.resize(np.transpose(A[..., i:i + BATCH], (2, 0, 1))[..., None], x.shape[1:3], method="bilinear")
            lo = tf.reduce_min(m, axis=(1, 2, 3), keepdims=True)
            hi = tf.reduce_max(m, axis=(1, 2, 3), keepdims=True)
            m = tf.where(hi > lo, (m - lo) / tf.where(hi > lo, hi - lo, 1), 0)
            alphas.append(f(x * m).numpy()[:, 0] - p0)
        if batches is not None:
            return None
        return np.maximum((A * np.concatenate(alphas)).sum(-1), 0)
    return {"channels": a.channels}, run


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("occlusion", "ig", "scorecam"):
        sp = sub.add_parser(name)
        sp.add_argument("--threads", type=int, default=1)
        sp.add_argument("--repeats", type=int, default=1)
        if name == "occlusion":
            sp.add_argument("--patch", type=int, default=32)
            sp.add_argument("--stride", type=int, default=8)
        if name == "ig":
            sp.add_argument("--steps", type=int, default=32)
        if name == "scorecam":
            sp.add_argument("--channels", type=int, default=2048)
    a = p.parse_args()
    tf, keras, _ = R.import_tf(a.threads)
    import numpy as np
    info, run = {"occlusion": cmd_occlusion, "ig": cmd_ig, "scorecam": cmd_scorecam}[a.cmd](a, tf, keras, np)
    run(batches=1)                                             # traces every function (one batch), untimed
    times = R.time_calls(run, a.repeats, warmups=0)
    print(json.dumps({"bench": a.cmd, "threads": a.threads, **info, "median_s": R.median(times), "times_s": times,
                      "peak_rss_mb": R.peak_rss_mb(), "env": R.env_info(tf, keras)}))


if __name__ == "__main__":
    main()
