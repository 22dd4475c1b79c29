"""Issue 18 (slice fourier): references for `maximize --method fourier` (Olah et al. 2017, Lucid).

- param_HxW.npy: a spectrum (2, 3, H, W//2+1) (real, imaginary; channel; ky; kx), N(0, 0.5^2), float32;
  rgb_HxW.npy: (H, W, 3) = Lucid's image from it, written with TensorFlow in float64:
    scale = sqrt(H*W) / max(sqrt(fftfreq(H)^2 + fftfreq(W)[:W//2+1]^2), 1/max(H, W))^1   (Lucid's rfft2d_freqs, decay 1)
    t = tf.signal.irfft2d(complex(param[0], param[1]) * scale, fft_length=[H, W]) / 4     (3, H, W) -> (H, W, 3)
    rgb = sigmoid(t @ (C / max column norm of C).T), C = Lucid's color_correlation_svd_sqrt
  For an odd W Lucid keeps W//2+2 columns and crops the W+1-wide irfft to W; ConvScope uses numpy's
  irfft2(s=(H, W)) half spectrum (W//2+1 columns), which fft_length=[H, W] gives.
- adam_*: TensorFlow's Adam (keras.optimizers.Adam(0.05, epsilon=1e-8): Lucid's tf.train.AdamOptimizer(0.05)) minimising -objective on float64
  variables: adam_theta0.npy (5,), adam_grads.npy (T, 5) the objective's gradient per step (magnitudes 1e-9 to 1, where
  epsilon on sqrt(v) and on sqrt(v-hat) differ), adam_thetas.npy (T, 5) the variable after each step.
- expected.json: conv_small's conv4 channel 5 before its fused ReLU (conv4's input convolved with its kernel
  plus bias, linear), mean over positions, for Fixtures/maximize/start.npy; and after the ReLU.
"""
import os

import numpy as np

from . import common as C
from . import models as M

COLOR_SVD_SQRT = np.asarray([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
SIZES = [(6, 8), (5, 7)]


def lucid_rgb(param, h, w):
    import tensorflow as tf
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[: w // 2 + 1]
    freqs = np.sqrt(fx * fx + fy * fy)
    scale = np.sqrt(w * h) / np.maximum(freqs, 1.0 / max(h, w)) ** 1
    p = tf.constant(param.astype(np.float64))
    spectrum = tf.complex(p[0], p[1]) * tf.constant(scale.astype(np.complex128))
    t = tf.signal.irfft2d(spectrum, fft_length=[h, w]) / 4.0
    t = tf.transpose(t, [1, 2, 0])
    cn = COLOR_SVD_SQRT / np.max(np.linalg.norm(COLOR_SVD_SQRT, axis=0))
    flat = tf.matmul(tf.reshape(t, [-1, 3]), tf.constant(cn.T))
    return tf.sigmoid(tf.reshape(flat, [h, w, 3])).numpy()


def generate(out):
    import keras
    import tensorflow as tf
    d = os.path.join(out, "fourier")
    os.makedirs(d, exist_ok=True)
    r = np.random.default_rng(20171107)
    files = {}
    for h, w in SIZES:
        param = C.f32(0.5 * r.standard_normal((2, 3, h, w // 2 + 1)))
        C.save_npy(os.path.join(d, f"param_{h}x{w}.npy"), param)
        C.save_npy(os.path.join(d, f"rgb_{h}x{w}.npy"), lucid_rgb(param, h, w))
        files[f"{h}x{w}"] = {"param": f"param_{h}x{w}.npy", "rgb": f"rgb_{h}x{w}.npy"}
    theta0 = 0.1 * r.standard_normal(5)
    grads = r.standard_normal((8, 5)) * np.array([1.0, 1e-3, 1e-6, 1e-8, 1e-9])
    v = keras.Variable(theta0, dtype="float64")
    opt = keras.optimizers.Adam(learning_rate=0.05, epsilon=1e-8)   # Lucid: tf.train.AdamOptimizer(0.05), epsilon 1e-8
    thetas = []
    for g in grads:
        opt.apply_gradients([(tf.constant(-g, tf.float64), v)])
        thetas.append(np.asarray(v.numpy(), np.float64))
    for name, a in [("adam_theta0", theta0), ("adam_grads", grads), ("adam_thetas", np.stack(thetas))]:
        np.save(os.path.join(d, name + ".npy"), a.astype(np.float64))
    m, _ = M.small_models()["conv_small"]
    start = np.load(os.path.join(out, "maximize", "start.npy"))
    conv = m.get_layer("conv4")
    x = keras.Model(m.inputs, conv.input)(start, training=False)
    pre = conv.convolution_op(x, conv.kernel) + conv.bias if hasattr(conv, "convolution_op") else None
    pre = tf.nn.conv2d(x, conv.kernel, strides=conv.strides, padding=conv.padding.upper()) + conv.bias if pre is None else pre
    pre = np.asarray(pre)[..., 5]
    post = np.asarray(keras.Model(m.inputs, conv.output)(start, training=False))[..., 5]
    C.dump_json(os.path.join(d, "expected.json"), {
        "sizes": files,
        "rgb_definition": "sigmoid(irfft2d(scale * (param[0] + i param[1]), fft_length=[H, W]) / 4 decorrelated by Lucid's "
                          "normalised color_correlation_svd_sqrt); scale = sqrt(HW) / max(|f|, 1/max(H, W))",
        "model_file": "../models/conv_small.keras3.h5", "start": "../maximize/start.npy",
        "conv4_ch5_pre_activation_mean": float(pre.mean()), "conv4_ch5_output_mean": float(post.mean()),
        "conv4_ch5_negative_fraction": float((pre < 0).mean()),
    })
