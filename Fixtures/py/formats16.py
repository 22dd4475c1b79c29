"""Section formats16: what is left of issue 16 (gptq/awq as the pinned Keras writes them, float16 for legacy h5).

Written by the pinned Keras 3.15.1 into formats16/:

- `gptq.keras`, `awq.keras`: Functional "calib" (Input tokens (6,) int32 -> Embedding emb 16x8 -> Sequential
  block [Dense up 16 relu, Dense down 8, Dense head 3]) quantized by `model.quantize("gptq"|"awq")` on 16
  calibration sequences (group_size 8, the block structure given through `get_quantization_layer_structure`:
  passing it in the config makes `model.save` recurse forever). Keras 3.15.1 saves these files without the
  layers' `kernel_zero` variables, and its own `load_model` refuses them; expected.json records the variables
  the quantized layers had in memory, what the file stores, Keras' load error and Keras' in-memory output
  (`calib.MODE.out.npy` on `calib.in0.npy`).
- `f16.keras`: Sequential "f16" (Input 4x4x2 -> Conv2D c 3 3x3 float16 -> Flatten -> Dense d 4 relu float16),
  a half-precision model without bfloat16 (which Keras' legacy .h5 cannot hold); `f16.out0.npy` is Keras'
  output on `f16.in0.npy` (cast to float32).
- `grid.keras`: Functional "grid" (Input (3,) -> Grid, a layer registered as `formats16>Grid` holding its Dense
  sublayers in a list of lists): Keras 3.15 saves them under `rows/container/…` and `rows/container_1/…` groups.
  No built-in layer writes such groups (nested Sequential/Functional, shared layers, Bidirectional,
  MultiHeadAttention, StackedRNNCells all save without them), and Keras before 3.15 did not save these
  sublayers at all (PR #22362 added the recursion). expected.json: the stored dataset paths and count_params.
"""
import json
import os
import io
import shutil
import zipfile

import numpy as np

from . import common as C

V, S = 16, 6


def _tokenizer(x):
    ids = np.asarray(x, dtype=np.int64).reshape(-1)[:S]
    return np.pad(ids, (0, S - len(ids)))[None, :]


_tokenizer.tokenize = _tokenizer


def build_calib(K):
    L = K.layers
    i = K.Input((S,), dtype="int32", name="tokens")
    emb = L.Embedding(V, 8, name="emb")
    block = K.Sequential([L.Dense(16, activation="relu", name="up"), L.Dense(8, name="down"),
                          L.Dense(3, name="head")], name="block")
    m = K.Model(i, block(emb(i)), name="calib")
    return m, emb, block


def generate(out):
    import keras
    from keras.quantizers import AWQConfig, GPTQConfig
    d = os.path.join(out, "formats16")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    expected = {"keras": keras.__version__}
    r = C.rng_for("formats16-calib")
    data = [r.integers(0, V, (1, S)) for _ in range(16)]
    x = np.stack([t[0] for t in data[:3]]).astype("int32")
    C.save_npy(os.path.join(d, "calib.in0.npy"), x.astype("float32"))
    for mode, cfg in [("gptq", GPTQConfig), ("awq", AWQConfig)]:
        C.seed_all()
        keras.backend.clear_session()
        m, emb, block = build_calib(keras)
        C.init_weights(m, "formats16/calib")
        m.get_quantization_layer_structure = lambda mode=None: {"pre_block_layers": [emb], "sequential_blocks": [block]}
        m.quantize(mode, config=cfg(dataset=data, tokenizer=_tokenizer, num_samples=16, sequence_length=S, group_size=8))
        y = np.asarray(m(x))
        C.save_npy(os.path.join(d, f"calib.{mode}.out.npy"), y)
        path = os.path.join(d, mode + ".keras")
        m.save(path)
        C.normalize_keras_zip(path)
        e = expected[mode] = {
            "in_memory": {l.name: [[w.path.split("/")[-1], str(w.dtype), list(w.shape)] for w in l.weights]
                          for l in block.layers},
            "stored": [[w["path"], w["shape"]] for w in C.keras3_weights_file(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5")))],
        }
        try:
            keras.models.load_model(path, compile=False)
            e["keras_load"] = "ok"
        except Exception as err:  # what Keras says about its own file
            e["keras_load"] = " ".join(str(err).split("\n")[:3]).strip()
    # float16 only (legacy .h5 holds float16; Keras cannot load the bfloat16 .h5 it writes)
    C.seed_all()
    keras.backend.clear_session()
    L = keras.layers
    m = keras.Sequential([keras.Input((4, 4, 2), name="input"),
                          L.Conv2D(3, 3, dtype="float16", name="c"), L.Flatten(name="flat"),
                          L.Dense(4, activation="relu", dtype="float16", name="d")], name="f16")
    C.init_weights(m, "formats16/f16")
    xi = C.f32(C.rng_for("formats16-f16-input").normal(0, 1.0, (2, 4, 4, 2)))
    C.save_npy(os.path.join(d, "f16.in0.npy"), xi)
    C.save_npy(os.path.join(d, "f16.out0.npy"), np.asarray(keras.ops.cast(m(xi), "float32")))
    m.save(os.path.join(d, "f16.keras"))
    C.normalize_keras_zip(os.path.join(d, "f16.keras"))
    expected["f16"] = {"dtypes": [str(w.dtype) for w in m.weights]}
    # Sublayers in a list of lists: Keras 3.15's nested container groups.
    @keras.saving.register_keras_serializable(package="formats16")
    class Grid(keras.layers.Layer):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.rows = [[L.Dense(2, name="a"), L.Dense(2, name="b")], [L.Dense(2, name="c")]]

        def call(self, x):
            return sum(layer(x) for row in self.rows for layer in row)

    C.seed_all()
    keras.backend.clear_session()
    i = keras.Input((3,), name="x")
    m = keras.Model(i, Grid(name="grid")(i), name="grid")
    path = os.path.join(d, "grid.keras")
    m.save(path)
    C.normalize_keras_zip(path)
    expected["grid"] = {"stored": [w["path"] for w in C.keras3_weights_file(io.BytesIO(zipfile.ZipFile(path).read("model.weights.h5")))],
                        "count_params": m.count_params()}
    C.dump_json(os.path.join(d, "expected.json"), expected)
