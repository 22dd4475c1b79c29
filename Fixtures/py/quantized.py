"""Issue 16, quantization slice: small models quantized by the pinned Keras in every mode it writes.

Writes quantized/: per model (mlp: Dense; embed: Embedding + Dense; einsum: EinsumDense) and mode
(float, int8, int4 per channel, int4 in sub-channel groups, float8, float8 with scales set as training
would leave them): MODEL.MODE.keras, Keras' output on MODEL.in0.npy (MODEL.MODE.out.npy), the input
gradient of sum(output * MODEL.seed.npy) (MODEL.MODE.grad.npy, where the input is differentiable),
the same model dequantized by Keras' own `layer.kernel` (MODEL.MODE.dequantized.npz, one entry per
layer), and expected.json (per layer: policy, stored variables with dtype and shape, count_params).
Hostile variants for the refusals and the fuzz seeds go to quantized/bad/.
"""
import io
import json
import os
import shutil
import zipfile

import h5py
import numpy as np

from . import common as C

MODES = ["int8", "int4", "int4_g4", "float8", "float8_scaled"]


def build(K, name):
    L = K.layers
    if name == "mlp":
        i = K.Input((10,), name="x")
        h = L.Dense(9, activation="relu", name="fc1")(i)
        o = L.Dense(4, name="fc2")(h)
        return K.Model(i, o, name="mlp")
    if name == "embed":
        i = K.Input((5,), dtype="int32", name="tokens")
        e = L.Embedding(12, 7, name="emb")(i)
        o = L.Dense(3, name="head")(e)
        return K.Model(i, o, name="embed")
    if name == "einsum":
        i = K.Input((4, 6), name="seq")
        h = L.EinsumDense("abc,cd->abd", (4, 5), bias_axes="d", activation="relu", name="proj")(i)
        h = L.EinsumDense("abd,dhe->abhe", (4, 2, 3), bias_axes="he", name="heads")(h)
        o = L.EinsumDense("abhe,bhef->af", 2, bias_axes="f", name="out")(h)
        return K.Model(i, o, name="einsum")
    raise ValueError(name)


def inputs(name):
    r = C.rng_for("quantized-input", name)
    if name == "embed":
        return r.integers(0, 12, (3, 5)).astype("int32")
    return C.f32(r.normal(0, 1.0, (3, 10) if name == "mlp" else (3, 4, 6)))


def quantize(K, model, mode):
    from keras.quantizers import Int4QuantizationConfig
    if mode == "int4":
        model.quantize("int4", config=Int4QuantizationConfig(block_size=-1))
    elif mode == "int4_g4":
        model.quantize("int4", config=Int4QuantizationConfig(block_size=4))
    elif mode.startswith("float8"):
        model.quantize("float8")
        if mode == "float8_scaled":  # scales as float8 training leaves them (Keras overwrites them with gradients)
            for layer in model.layers:
                if hasattr(layer, "inputs_scale"):
                    layer.inputs_scale.assign(0.02)
                    layer.kernel_scale.assign(0.0015)
                    layer.outputs_grad_scale.assign(0.001)
    else:
        model.quantize(mode)


def stored_variables(path):
    with zipfile.ZipFile(path) as z:
        f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        out = {}

        def visit(n, o):
            if isinstance(o, h5py.Dataset):
                out[n] = {"dtype": str(o.dtype), "shape": list(o.shape)}
        f.visititems(visit)
        return out


def generate(out):
    import keras
    import tensorflow as tf
    d = os.path.join(out, "quantized")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    expected = {"keras": keras.__version__, "models": {}}
    for name in ["mlp", "embed", "einsum"]:
        x = inputs(name)
        C.save_npy(os.path.join(d, f"{name}.in0.npy"), x.astype("float32"))
        entry = expected["models"][name] = {}
        for mode in ["float"] + MODES:
            C.seed_all()
            keras.backend.clear_session()
            model = build(keras, name)
            C.init_weights(model, "quantized/" + name)
            if mode != "float":
                try:
                    quantize(keras, model, mode)
                except Exception as e:  # a mode Keras does not apply to this model
                    entry[mode] = {"refused_by_keras": str(e).splitlines()[0]}
                    continue
            y = np.asarray(model(x, training=False))
            stem = f"{name}.{mode}"
            path = os.path.join(d, stem + ".keras")
            model.save(path)
            C.normalize_keras_zip(path)
            m2 = keras.models.load_model(path, compile=False)
            assert np.allclose(np.asarray(m2(x, training=False)), y, atol=1e-6), stem
            C.save_npy(os.path.join(d, stem + ".out.npy"), y)
            if name == "mlp" and mode in ("int8", "int4_g4"):  # Keras cannot reload its own float8 .h5
                # Keras 3's legacy full-model .h5: variables by name, in layer.weights order (trainable first)
                model.save(os.path.join(d, stem + ".h5"))
                m3 = keras.models.load_model(os.path.join(d, stem + ".h5"), compile=False)
                assert np.allclose(np.asarray(m3(x, training=False)), y, atol=1e-6), stem + ".h5"
            if name != "embed":
                seed = C.f32(C.rng_for("quantized-seed", name).normal(0, 1.0, y.shape))
                C.save_npy(os.path.join(d, f"{name}.seed.npy"), seed)
                xt = tf.constant(x)
                with tf.GradientTape(watch_accessed_variables=False) as tape:
                    tape.watch(xt)
                    yt = model(xt, training=False)
                    loss = tf.reduce_sum(yt * seed)
                try:
                    C.save_npy(os.path.join(d, stem + ".grad.npy"), C.f32(tape.gradient(loss, xt).numpy()))
                except ValueError:  # Keras' float8 gradient only runs inside its own train step
                    pass
            layers = {}
            for layer in model.layers:
                if layer.weights:
                    policy = layer.dtype_policy
                    layers[layer.name] = {"class_name": layer.__class__.__name__, "policy": policy.name,
                                          "mode": policy.quantization_mode, "count_params": int(layer.count_params())}
            entry[mode] = {"file": stem + ".keras", "output": stem + ".out.npy", "layers": layers,
                           "count_params": int(model.count_params()), "stored": stored_variables(path)}
    C.dump_json(os.path.join(d, "expected.json"), expected)
    generate_numbers(d)
    generate_bad(d)
    print(f"  quantized: {sum(len(v) for v in expected['models'].values())} files")


def generate_numbers(d):
    """numbers.in.npy through TensorFlow's casts to float8_e4m3fn, float8_e5m2 and bfloat16 and back
    (numbers.MODE.npy): normals, subnormals, ties, values near each format's largest (within it)."""
    import keras
    r = C.rng_for("quantized-numbers")
    x = np.concatenate([r.normal(0, 1, 200), r.normal(0, 100, 100), r.uniform(-448, 448, 100),
                        r.normal(0, 1e-2, 100), r.normal(0, 1e-5, 100),
                        np.array([0.0, 1.0625, 1.1875, -2.125, 0.015625 * 1.0625, 448.0, -448.0, 2 ** -9, 2 ** -10,
                                  3 * 2 ** -10, 2 ** -16, 2 ** -17])]).astype("float32")
    C.save_npy(os.path.join(d, "numbers.in.npy"), x)
    for dtype in ["float8_e4m3fn", "float8_e5m2", "bfloat16"]:
        y = keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.cast(x, dtype), "float32"))
        C.save_npy(os.path.join(d, f"numbers.{dtype}.npy"), C.f32(y))


def rewrite(src, dst, config_edit=None, weights_edit=None):
    """Copies a .keras archive, editing its config (a dict) and/or weights (an h5py File)."""
    with zipfile.ZipFile(src) as z:
        names = z.namelist()
        blobs = {n: z.read(n) for n in names}
    if config_edit:
        c = json.loads(blobs["config.json"])
        config_edit(c)
        blobs["config.json"] = json.dumps(c).encode()
    if weights_edit:
        tmp = dst + ".tmp.h5"
        with open(tmp, "wb") as f:
            f.write(blobs["model.weights.h5"])
        with h5py.File(tmp, "r+") as f:
            weights_edit(f)
        with open(tmp, "rb") as f:
            blobs["model.weights.h5"] = f.read()
        os.remove(tmp)
    with zipfile.ZipFile(dst, "w") as z:
        for n in names:
            z.writestr(zipfile.ZipInfo(n, C.FIXED_DATE), blobs[n])


def generate_bad(d):
    """Hostile variants: each must be refused with exit 2 naming the layer and the variable."""
    b = os.path.join(d, "bad")
    os.makedirs(b, exist_ok=True)

    def replace(f, path, value):
        del f[path]
        f.create_dataset(path, data=value)

    # int8 kernel_scale of the wrong shape (fc1 has 9 units)
    rewrite(os.path.join(d, "mlp.int8.keras"), os.path.join(b, "scale_shape.keras"),
            weights_edit=lambda f: replace(f, "layers/dense/vars/2", np.ones((8,), "float32")))
    # int4 packed kernel with the unpacked width (fc1: (10, 5) packed, (10, 9) written)
    rewrite(os.path.join(d, "mlp.int4.keras"), os.path.join(b, "int4_packed_size.keras"),
            weights_edit=lambda f: replace(f, "layers/dense/vars/0", np.zeros((10, 9), "int8")))
    # int8 kernel stored as float32
    rewrite(os.path.join(d, "mlp.int8.keras"), os.path.join(b, "kernel_dtype.keras"),
            weights_edit=lambda f: replace(f, "layers/dense/vars/0", np.zeros((10, 9), "float32")))
    # sub-channel group index out of range
    rewrite(os.path.join(d, "mlp.int4_g4.keras"), os.path.join(b, "g_idx_range.keras"),
            weights_edit=lambda f: replace(f, "layers/dense/vars/4", np.full((10,), 7.0, "float32")))

    def unknown_mode(c):
        c["config"]["layers"][1]["config"]["dtype"]["config"]["mode"] = "int3"
    rewrite(os.path.join(d, "mlp.int8.keras"), os.path.join(b, "unknown_mode.keras"), config_edit=unknown_mode)
