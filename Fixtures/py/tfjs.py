"""TensorFlow.js layers models (issue 23, TF.js part), written by the real converter.

`tensorflowjs==4.22.0` (installed with --no-deps next to the pinned TensorFlow) writes every case with
`keras_h5_conversion.save_keras_model` and loads it back with `keras_tfjs_loader.load_keras_model`;
the expected outputs are what that loaded tf-keras model predicts (so quantized cases expect the
dequantized model). Two forms are derived from converter output, never typed by hand:
  - `*_old`: the pre-1.0 converter form, without `format`/`generatedBy`/`convertedBy`;
  - `*_keras3`: a Keras 3 `.keras` file converted by the converter's Keras 3 path
    (`converter.dispatch_keras_keras_to_tfjs_layers_model_conversion`), whose weight names are the
    `.keras` file's dataset paths (`layers/conv2d/vars/0`); the converter's own loader cannot load these
    back (its `_generate_v3_keys` fails on `__keras_tensor__`), so they expect the Keras 3 model's outputs;
  - `*_jsform`: the form TensorFlow.js itself saves (`model.save()` in tfjs-layers): `modelTopology`
    is the model config itself with `keras_version: "tfjs-layers …"`, `backend: "tensor_flow.js"`,
    `convertedBy: null`, and one weights file `./<name>.weights.bin` (tf-containers.md §3.1).
"""
import json
import os
import shutil
import sys
import types

import numpy as np

from . import common as C
from .formats import build_multi, build_nested, build_rnn, build_tiny, inputs_for, predict

TFJS_VERSION = "4.22.0"


def import_tensorflowjs():
    """tensorflowjs imports jax2tf, TF decision forests and TF Hub at import time; the layers-model
    writer and loader need none of them. Keras is imported first, then empty stand-ins."""
    import tf_keras  # noqa: F401
    for name in ["jax", "jax.experimental", "jax.experimental.jax2tf", "tensorflow_decision_forests",
                 "tensorflow_hub"]:
        sys.modules.setdefault(name, types.ModuleType(name))
    import tensorflowjs
    from tensorflowjs.converters import keras_h5_conversion, keras_tfjs_loader
    assert tensorflowjs.__version__ == TFJS_VERSION, tensorflowjs.__version__
    return keras_h5_conversion, keras_tfjs_loader


# case -> (architecture, quantization_dtype_map, shard size in bytes, derived form)
CASES = {
    "cnn": ("tiny", None, 1024, None),
    "cnn_uint8": ("tiny", {"uint8": ["*"]}, 4 << 20, None),
    "cnn_uint16": ("tiny", {"uint16": ["*"]}, 4 << 20, None),
    "cnn_float16": ("tiny", {"float16": ["*"]}, 4 << 20, None),
    "cnn_old": ("tiny", None, 4 << 20, "old"),
    "multi": ("multi", None, 4 << 20, None),
    "multi_jsform": ("multi", None, 4 << 20, "jsform"),
    "nested": ("nested", None, 512, None),
    "nested_mixed": ("nested", {"uint8": ["bb_conv/*"], "uint16": ["bb_sep/*"], "float16": ["bb_bn/*", "head/bias"]},
                     4 << 20, None),
    "rnn": ("rnn", None, 4 << 20, None),
    "cnn_keras3": ("tiny", None, 4 << 20, "keras3"),
    "nested_keras3": ("nested", None, 4 << 20, "keras3"),
    "rnn_keras3": ("rnn", None, 4 << 20, "keras3"),
}
BUILDERS = {"tiny": build_tiny, "multi": build_multi, "nested": build_nested, "rnn": build_rnn}


def to_old_form(folder):
    mj = json.load(open(os.path.join(folder, "model.json")))
    for k in ("format", "generatedBy", "convertedBy"):
        mj.pop(k, None)
    json.dump(mj, open(os.path.join(folder, "model.json"), "w"))


def to_js_form(folder, name):
    """tfjs-layers `model.save()`: one weights file, the config itself as modelTopology."""
    mj = json.load(open(os.path.join(folder, "model.json")))
    blob = bytearray()
    weights = []
    for group in mj["weightsManifest"]:
        for p in group["paths"]:
            with open(os.path.join(folder, p), "rb") as fh:
                blob += fh.read()
            os.remove(os.path.join(folder, p))
        weights += group["weights"]
    bin_name = name + ".weights.bin"
    with open(os.path.join(folder, bin_name), "wb") as fh:
        fh.write(bytes(blob))
    topo = dict(mj["modelTopology"]["model_config"])
    topo["keras_version"] = "tfjs-layers " + TFJS_VERSION
    topo["backend"] = "tensor_flow.js"
    js = {"modelTopology": topo, "format": "layers-model",
          "generatedBy": "TensorFlow.js tfjs-layers v" + TFJS_VERSION, "convertedBy": None,
          "weightsManifest": [{"paths": ["./" + bin_name], "weights": weights}]}
    json.dump(js, open(os.path.join(folder, "model.json"), "w"))


def generate(out):
    import keras
    import tf_keras
    import tempfile
    h5c, loader = import_tensorflowjs()
    from tensorflowjs.converters import converter
    d = os.path.join(out, "tfjs")
    if os.path.isdir(d):
        shutil.rmtree(d)
    os.makedirs(d)
    expected = {"tensorflowjs": TFJS_VERSION, "cases": {}}
    for case, (arch, qmap, shard, form) in CASES.items():
        C.seed_all()
        folder = os.path.join(d, case)
        xs = inputs_for(arch)
        if form == "keras3":
            model = BUILDERS[arch](keras)
            C.init_weights(model, "tfjs-" + arch)
            with tempfile.TemporaryDirectory() as tmp:
                src = os.path.join(tmp, arch + ".keras")
                model.save(src)
                converter.dispatch_keras_keras_to_tfjs_layers_model_conversion(src, folder)
            ys = yk = predict(model, xs)
        else:
            model = BUILDERS[arch](tf_keras)
            C.init_weights(model, "tfjs-" + arch)
            h5c.save_keras_model(model, folder, quantization_dtype_map=qmap, weight_shard_size_bytes=shard)
        if form == "old":
            to_old_form(folder)
        elif form == "jsform":
            to_js_form(folder, case)
        if form != "keras3":
            loaded = loader.load_keras_model(os.path.join(folder, "model.json"))
            ys = predict(loaded, xs)
            yk = predict(model, xs)
        for i, x in enumerate(xs):
            np.save(os.path.join(d, f"{case}.in{i}.npy"), x if x.dtype == np.int32 else C.f32(x))
        for i, y in enumerate(ys):
            C.save_npy(os.path.join(d, f"{case}.out{i}.npy"), y)
        mj = json.load(open(os.path.join(folder, "model.json")))
        stored = sum(os.path.getsize(os.path.join(folder, p))
                     for g in mj["weightsManifest"] for p in g["paths"])
        float_bytes = sum(4 * int(np.prod(w["shape"], dtype=np.int64))
                          for g in mj["weightsManifest"] for w in g["weights"])
        expected["cases"][case] = {
            "model": f"{case}/model.json",
            "inputs": [f"{case}.in{i}.npy" for i in range(len(xs))],
            "outputs": [f"{case}.out{i}.npy" for i in range(len(ys))],
            "shards": sum(len(g["paths"]) for g in mj["weightsManifest"]),
            "weights": sum(len(g["weights"]) for g in mj["weightsManifest"]),
            "storedBytes": stored, "float32Bytes": float_bytes,
            "parameters": int(model.count_params()),
            # How far quantization moved the outputs from the float model (the dequantized model is the oracle).
            "quantizationShift": max(float(np.max(np.abs(a - b))) for a, b in zip(ys, yk)),
        }
    C.dump_json(os.path.join(d, "expected.json"), expected)
