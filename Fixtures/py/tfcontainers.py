"""TensorFlow containers (issue 23): tf.keras SavedModel directories and TF checkpoints written by
tf-keras 2.21, with tf_keras.models.load_model(dir) as the forward oracle. Output: Fixtures/tfcontainers/.

Per model NAME in (tiny, multi, nested; architectures of formats.py, weights by common.init_weights):
  NAME.savedmodel/        model.save(dir)                          (oracle: load_model(dir))
  NAME.ckpt/ckpt.*        model.save_weights("NAME.ckpt/ckpt")     (+ the `checkpoint` text file)
  NAME.tfkeras.h5         model.save("NAME.tfkeras.h5")            (an architecture for the checkpoint)
  NAME.in*.npy, NAME.out*.npy
Also:
  compiled.savedmodel/, compiled.ckpt/   tiny compiled with Adam, one fit step: optimizer state
  legacy24.savedmodel/    multi with keras_metadata.pb moved into saved_model.pb (TF 2.0-2.4 layout)
  subclassed.savedmodel/  a subclassed tf-keras model (layers listed, running refused)
  graphonly.savedmodel/   tf.saved_model.save(tiny): no Keras metadata
  keras3export.savedmodel/ Keras 3 model.export(): no Keras identifiers at all
  sharded.ckpt/           tiny.save_weights with a 2000-byte MaxShardSizePolicy: several shards, fc/kernel sliced
  expected.json           what each fixture is, for the tests
"""
import contextlib
import io
import json
import os
import shutil

import numpy as np

from . import common as C
from . import formats as F


def _reset(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    elif os.path.exists(path):
        os.remove(path)


def _save_io(d, name, xs, ys):
    for i, x in enumerate(xs):
        np.save(os.path.join(d, f"{name}.in{i}.npy"), x)
    for i, y in enumerate(ys):
        C.save_npy(os.path.join(d, f"{name}.out{i}.npy"), y)


def _build_birnn(K):
    """Embedding, Bidirectional GRU (forward_layer/backward_layer below the wrapper), shared Dense."""
    L = K.layers
    x = K.Input((12,), dtype="int32", name="tokens")
    e = L.Embedding(50, 6, name="emb")(x)
    h = L.Bidirectional(L.GRU(4, return_sequences=True, name="gru"), name="bi")(e)
    h = L.LSTM(3, name="lstm")(h)
    return K.Model(x, L.Dense(2, name="out")(h), name="birnn")


def generate(out):
    import tensorflow as tf
    import tf_keras as K
    d = os.path.join(out, "tfcontainers")
    os.makedirs(d, exist_ok=True)
    expected = {"tensorflow": tf.__version__, "tf_keras": K.__version__, "models": {}}

    builders = dict(F.BUILDERS, birnn=_build_birnn)
    for name in ("tiny", "multi", "nested", "rnn", "birnn"):
        C.seed_all()
        m = builders[name](K)
        C.init_weights(m, "tfc-" + name)
        for p in (f"{name}.savedmodel", f"{name}.ckpt", f"{name}.tfkeras.h5"):
            _reset(os.path.join(d, p))
        m.save(os.path.join(d, f"{name}.savedmodel"))
        m.save_weights(os.path.join(d, f"{name}.ckpt", "ckpt"))
        m.save(os.path.join(d, f"{name}.tfkeras.h5"))
        xs = F.inputs_for(name if name != "birnn" else "rnn")
        loaded = K.models.load_model(os.path.join(d, f"{name}.savedmodel"))
        ys = F.predict(loaded, xs)
        _save_io(d, name, xs, ys)
        expected["models"][name] = {
            "class_name": m.__class__.__name__, "weights": len(m.weights), "params": int(m.count_params()),
            "variables": sorted(v for v, _ in tf.train.list_variables(os.path.join(d, f"{name}.ckpt", "ckpt"))),
            "inputs": len(xs), "outputs": len(ys)}

    # compiled with optimizer state
    C.seed_all()
    m = F.build_tiny(K)
    C.init_weights(m, "tfc-compiled")
    m.compile(optimizer=K.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    r = C.rng_for("tfc", "compiled-fit")
    m.fit(r.random((4, 16, 16, 3)).astype(np.float32), np.array([0, 1, 2, 3]), epochs=1, verbose=0, shuffle=False)
    for p in ("compiled.savedmodel", "compiled.ckpt"):
        _reset(os.path.join(d, p))
    m.save(os.path.join(d, "compiled.savedmodel"))
    m.save_weights(os.path.join(d, "compiled.ckpt", "ckpt"))
    xs = F.inputs_for("tiny")
    ys = F.predict(K.models.load_model(os.path.join(d, "compiled.savedmodel")), xs)
    _save_io(d, "compiled", xs, ys)
    variables = tf.train.list_variables(os.path.join(d, "compiled.ckpt", "ckpt"))
    expected["models"]["compiled"] = {
        "class_name": "Sequential", "weights": len(m.weights),
        "optimizer_variables": sorted(v for v, _ in variables if v.startswith("optimizer/")),
        "variables": sorted(v for v, _ in variables)}

    # TF 2.0-2.4 layout: the Keras metadata inside saved_model.pb, no keras_metadata.pb
    from tensorflow.core.protobuf import saved_model_pb2
    from tf_keras.protobuf import saved_metadata_pb2
    legacy = os.path.join(d, "legacy24.savedmodel")
    _reset(legacy)
    shutil.copytree(os.path.join(d, "multi.savedmodel"), legacy)
    smp = saved_model_pb2.SavedModel()
    smp.ParseFromString(open(os.path.join(legacy, "saved_model.pb"), "rb").read())
    kmp = saved_metadata_pb2.SavedMetadata()
    kmp.ParseFromString(open(os.path.join(legacy, "keras_metadata.pb"), "rb").read())
    for n in kmp.nodes:
        smp.meta_graphs[0].object_graph_def.nodes[n.node_id].user_object.metadata = n.metadata
    open(os.path.join(legacy, "saved_model.pb"), "wb").write(smp.SerializeToString(deterministic=True))
    os.remove(os.path.join(legacy, "keras_metadata.pb"))
    xs = F.inputs_for("multi")
    ys = F.predict(K.models.load_model(legacy), xs)
    _save_io(d, "legacy24", xs, ys)

    # subclassed
    L = K.layers

    class TinySubclassed(K.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.conv = L.Conv2D(2, 3, name="conv2d")
            self.head = L.Dense(3, name="dense")

        def call(self, x, training=False):
            return self.head(tf.reduce_mean(self.conv(x), axis=[1, 2]))

    C.seed_all()
    sub = TinySubclassed(name="tiny_subclassed")
    sub(np.zeros((1, 8, 8, 3), np.float32))
    C.init_weights(sub, "tfc-subclassed")
    _reset(os.path.join(d, "subclassed.savedmodel"))
    sub.save(os.path.join(d, "subclassed.savedmodel"))

    # graph-only exports
    C.seed_all()
    m = F.build_tiny(K)
    C.init_weights(m, "tfc-graphonly")
    _reset(os.path.join(d, "graphonly.savedmodel"))
    tf.saved_model.save(m, os.path.join(d, "graphonly.savedmodel"))
    import keras as K3
    m3 = K3.Sequential([K3.Input((4,), name="x"), K3.layers.Dense(2, name="dense")], name="k3")
    _reset(os.path.join(d, "keras3export.savedmodel"))
    with contextlib.redirect_stdout(io.StringIO()):
        m3.export(os.path.join(d, "keras3export.savedmodel"))

    # sharded checkpoint with sliced tensors
    C.seed_all()
    m = F.build_tiny(K)
    C.init_weights(m, "tfc-tiny")
    _reset(os.path.join(d, "sharded.ckpt"))
    opts = tf.train.CheckpointOptions(
        experimental_sharding_callback=tf.train.experimental.MaxShardSizePolicy(max_shard_size=2000))
    m.save_weights(os.path.join(d, "sharded.ckpt", "ckpt"), options=opts)
    shards = sorted(f for f in os.listdir(os.path.join(d, "sharded.ckpt")) if ".data-" in f)
    expected["sharded"] = {"data_files": shards}

    _bad(d)
    C.dump_json(os.path.join(d, "expected.json"), expected)


# ------------------------------------------------------------ refusals (docs/tf-containers.md section 5)
def _crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def _mask(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _block(entries):
    """One table block, a restart at every entry (as TensorFlow's index block)."""
    body = bytearray()
    restarts = []
    for k, v in entries:
        restarts.append(len(body))
        body += _varint(0) + _varint(len(k)) + _varint(len(v)) + k + v
    for r in restarts:
        body += r.to_bytes(4, "little")
    body += len(restarts).to_bytes(4, "little")
    return bytes(body)


def _write_table(path, entries):
    """A LevelDB table as TensorFlow writes a bundle index: data block, empty metaindex, index, footer."""
    import struct
    out = bytearray()

    def put(block):
        off = len(out)
        out.extend(block + b"\x00" + struct.pack("<I", _mask(_crc32c(block + b"\x00"))))
        return off, len(block)

    d_off, d_size = put(_block(entries))
    m_off, m_size = put(_block([]))
    i_off, i_size = put(_block([(entries[-1][0] + b"\x00", _varint(d_off) + _varint(d_size))]))
    foot = _varint(m_off) + _varint(m_size) + _varint(i_off) + _varint(i_size)
    foot += b"\x00" * (40 - len(foot)) + struct.pack("<Q", 0xDB4775248B80FB57)
    out += foot
    open(path, "wb").write(bytes(out))


def _bad(d):
    """Hand-assembled bundles, each wrong in one way, and damaged copies of real fixtures."""
    from tensorflow.core.protobuf import tensor_bundle_pb2
    bad = os.path.join(d, "bad")
    _reset(bad)
    os.makedirs(bad)
    data = np.arange(6, dtype="<f4").tobytes()

    def bundle(name, dtype=1, shape=(2, 3), offset=0, size=24, payload=data, crc=None):
        h = tensor_bundle_pb2.BundleHeaderProto(num_shards=1)
        h.version.producer = 1
        e = tensor_bundle_pb2.BundleEntryProto(dtype=dtype, offset=offset, size=size,
                                               crc32c=_mask(_crc32c(payload)) if crc is None else crc)
        for s in shape:
            e.shape.dim.add(size=s)
        _write_table(os.path.join(bad, name + ".index"),
                     [(b"", h.SerializeToString()), (b"w/.ATTRIBUTES/VARIABLE_VALUE", e.SerializeToString())])
        open(os.path.join(bad, name + ".data-00000-of-00001"), "wb").write(payload)

    bundle("good")
    bundle("negative_dim", shape=(-5, 3))
    bundle("overflow_dim", shape=(2 ** 40, 2 ** 30))
    bundle("unknown_dtype", dtype=99)
    bundle("variant_dtype", dtype=21)
    bundle("size_mismatch", shape=(37, 3))
    bundle("beyond_data", offset=8)
    bundle("crc_mismatch", crc=_mask(_crc32c(data) ^ 1))
    # damaged copies of tiny's checkpoint
    src = os.path.join(d, "tiny.ckpt", "ckpt")
    idx = open(src + ".index", "rb").read()
    dat = open(src + ".data-00000-of-00001", "rb").read()
    open(os.path.join(bad, "missing_shard.index"), "wb").write(idx)
    flipped = bytearray(idx)
    flipped[10] ^= 0x40
    open(os.path.join(bad, "index_block_crc.index"), "wb").write(bytes(flipped))
    open(os.path.join(bad, "index_block_crc.data-00000-of-00001"), "wb").write(dat)
    open(os.path.join(bad, "bad_magic.index"), "wb").write(idx[:-1] + b"\x00")
    open(os.path.join(bad, "bad_magic.data-00000-of-00001"), "wb").write(dat)
    # a SavedModel whose root metadata is not JSON
    from tf_keras.protobuf import saved_metadata_pb2
    sm = os.path.join(bad, "malformed_metadata.savedmodel")
    shutil.copytree(os.path.join(d, "tiny.savedmodel"), sm)
    kmp = saved_metadata_pb2.SavedMetadata()
    kmp.ParseFromString(open(os.path.join(sm, "keras_metadata.pb"), "rb").read())
    for n in kmp.nodes:
        if n.node_id == 0:
            n.metadata = n.metadata[: len(n.metadata) // 2]
    open(os.path.join(sm, "keras_metadata.pb"), "wb").write(kmp.SerializeToString(deterministic=True))
