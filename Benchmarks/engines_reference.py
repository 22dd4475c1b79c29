"""onnxruntime's and OpenVINO's side of `convscope bench forward` (beside tf_reference.py's TensorFlow).

One process builds the Keras model (the same seeded random weights as tf_reference.py, or --weights;
--save-weights writes them for ConvScope and tf_reference.py to load, so every engine runs the same weights),
writes it as an ONNX graph directly from its layers (NCHW inside, a Transpose at the NHWC input
edge and before a Flatten so the Dense weights keep Keras' order), checks both engines' outputs
against Keras on a batch-1 input, then times every batch x threads on both engines. Prints ONE JSON
object on stdout.

    python Benchmarks/engines_reference.py forward --model resnet50 --batches 1 8 --threads 1 2 --repeats 5

Traps (docs in /work/shared/docs/reference-engines.md): onnxruntime 1.31 loads IR <= 13, so the model is
written with IR version 8 / opset 17; OpenVINO is pinned to f32, LATENCY and the thread count.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tf_reference as ref  # noqa: E402  (seeded models, inputs, timing: one definition)


def same_pads(size, kernel, stride, dilation=1):
    """TensorFlow's 'same' padding (extra at the end) as (begin, end)."""
    eff = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def keras_to_onnx(model, batch):
    """An ONNX ModelProto of a Keras 3 functional CNN (the layer kinds VGG16 and ResNet50 use)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits = [], []
    names = {}        # KerasTensor name -> (onnx value name, layout "nchw" | "flat")

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def activation(out, act, name):
        if act in (None, "linear"):
            return out
        op = {"relu": "Relu", "softmax": "Softmax"}[act]
        attrs = {"axis": 1} if op == "Softmax" else {}
        nodes.append(helper.make_node(op, [out], [name + "_" + act], **attrs))
        return name + "_" + act

    inp = model.inputs[0]
    nodes.append(helper.make_node("Transpose", ["input"], ["input_nchw"], perm=[0, 3, 1, 2]))
    names[inp.name] = "input_nchw"
    for layer in model.layers:
        kind, cfg, name = layer.__class__.__name__, layer.get_config(), layer.name
        if kind == "InputLayer":
            continue
        ins = layer.input if isinstance(layer.input, list) else [layer.input]
        x = [names[t.name] for t in ins]
        out = name
        w = layer.get_weights()
        if kind == "Conv2D":
            h, wd = ins[0].shape[1], ins[0].shape[2]
            kh, kw = cfg["kernel_size"]
            sh, sw = cfg["strides"]
            dh, dw = cfg["dilation_rate"]
            if cfg["padding"] == "same":
                (pt, pb), (pl, pr) = same_pads(h, kh, sh, dh), same_pads(wd, kw, sw, dw)
            else:
                pt = pb = pl = pr = 0
            args = [x[0], const(name + "_W", w[0].transpose(3, 2, 0, 1))]
            if cfg["use_bias"]:
                args.append(const(name + "_B", w[1]))
            nodes.append(helper.make_node("Conv", args, [out + "_conv"], kernel_shape=[kh, kw], strides=[sh, sw],
                                          dilations=[dh, dw], pads=[pt, pl, pb, pr], group=cfg.get("groups", 1)))
            out = activation(out + "_conv", cfg["activation"], name)
        elif kind == "BatchNormalization":
            gamma, beta, mean, var = w
            nodes.append(helper.make_node("BatchNormalization", [x[0], const(name + "_g", gamma), const(name + "_b", beta),
                                                                 const(name + "_m", mean), const(name + "_v", var)],
                                          [out], epsilon=cfg["epsilon"]))
        elif kind == "Dropout":                                                   # identity at inference
            out = x[0]
        elif kind == "Activation":
            out = activation(x[0], cfg["activation"], name)
        elif kind == "Add":
            nodes.append(helper.make_node("Add", x, [out]))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            h, wd = ins[0].shape[1], ins[0].shape[2]
            kh, kw = cfg["pool_size"]
            sh, sw = cfg["strides"]
            if cfg["padding"] == "same":
                (pt, pb), (pl, pr) = same_pads(h, kh, sh), same_pads(wd, kw, sw)
            else:
                pt = pb = pl = pr = 0
            op = "MaxPool" if kind == "MaxPooling2D" else "AveragePool"
            nodes.append(helper.make_node(op, [x[0]], [out], kernel_shape=[kh, kw], strides=[sh, sw], pads=[pt, pl, pb, pr]))
        elif kind == "ZeroPadding2D":
            (t, b), (l, r) = cfg["padding"]
            pads = const(name + "_pads", np.array([0, 0, t, l, 0, 0, b, r]))
            inits[-1] = numpy_helper.from_array(np.array([0, 0, t, l, 0, 0, b, r], dtype=np.int64), name + "_pads")
            nodes.append(helper.make_node("Pad", [x[0], pads], [out]))
        elif kind == "GlobalAveragePooling2D":
            nodes.append(helper.make_node("GlobalAveragePool", [x[0]], [out + "_gap"]))
            nodes.append(helper.make_node("Flatten", [out + "_gap"], [out]))
        elif kind == "Flatten":
            nodes.append(helper.make_node("Transpose", [x[0]], [out + "_nhwc"], perm=[0, 2, 3, 1]))   # Keras flattens NHWC
            nodes.append(helper.make_node("Flatten", [out + "_nhwc"], [out]))
        elif kind == "Dense":
            args = [x[0], const(name + "_W", w[0])] + ([const(name + "_B", w[1])] if cfg["use_bias"] else [])
            nodes.append(helper.make_node("Gemm", args, [out + "_gemm"]))
            out = activation(out + "_gemm", cfg["activation"], name)
        else:
            raise SystemExit(f"engines_reference.py: no ONNX form for layer kind {kind} ({name})")
        names[layer.output.name] = out
    final = names[model.outputs[0].name]
    nodes.append(helper.make_node("Identity", [final], ["output"]))
    shape = [batch] + list(inp.shape[1:])
    graph = helper.make_graph(nodes, model.name, [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="convscope-bench")
    m.ir_version = 8
    return m


class Engines:
    """onnxruntime and OpenVINO sessions of one ONNX model at one batch and thread count."""

    def __init__(self, onnx_model, threads):
        import onnxruntime as ort
        import openvino as ov
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        blob = onnx_model.SerializeToString()
        self.ort = ort.InferenceSession(blob, so, providers=["CPUExecutionProvider"])
        core = ov.Core()
        m = core.read_model(blob, b"")
        self.ov = core.compile_model(m, "CPU", {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": "f32",
                                                "INFERENCE_NUM_THREADS": threads})
        self.ov_request = self.ov.create_infer_request()

    def onnxruntime(self, x):
        return self.ort.run(["output"], {"input": x})[0]

    def openvino(self, x):
        self.ov_request.infer({0: x})
        return self.ov_request.get_output_tensor(0).data


def cmd_forward(a):
    tf, keras, _ = ref.import_tf(0)
    import numpy as np
    import onnxruntime
    import openvino
    model = ref.build_model(keras, a.model, weights=a.weights)
    if a.save_weights:                   # the weights every engine runs: ConvScope and tf_reference.py load them
        os.makedirs(os.path.dirname(os.path.abspath(a.save_weights)), exist_ok=True)
        model.save_weights(a.save_weights)
    # Every engine on one batch-1 input against Keras (TensorFlow's output); --dump keeps the outputs for
    # ConvScope's own comparison.
    x1 = ref.caffe_input(np, a.model, 1)
    want = model(x1, training=False).numpy()
    scale = float(np.abs(want).max()) or 1.0
    e = Engines(keras_to_onnx(model, 1), a.threads[0])
    outputs = {"tensorflow": want, "onnxruntime": np.asarray(e.onnxruntime(x1)), "openvino": np.asarray(e.openvino(x1)).copy()}
    del e
    check = {engine + "_max_rel_error": float(np.abs(outputs[engine] - want).max()) / scale for engine in ("onnxruntime", "openvino")}
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        np.save(os.path.join(a.dump, "input.npy"), x1)
        for engine, y in outputs.items():
            np.save(os.path.join(a.dump, engine + ".npy"), y.astype(np.float32))
    results = []
    for batch in a.batches:
        m = keras_to_onnx(model, batch)
        x = ref.caffe_input(np, a.model, batch)
        for threads in a.threads:
            e = Engines(m, threads)
            row = {"batch": batch, "threads": threads}
            for engine in ("onnxruntime", "openvino"):       # interleaved with the other engine, same input
                f = getattr(e, engine)
                row[engine + "_s"] = ref.median(ref.time_calls(lambda: np.asarray(f(x)), a.repeats))
            results.append(row)
            del e
    return {"bench": "engines-forward", "model": a.model, "onnxruntime": onnxruntime.__version__,
            "openvino": openvino.__version__, "check_against_keras": check, "results": results,
            "peak_rss_mb": ref.peak_rss_mb()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("forward", help="onnxruntime and OpenVINO forward times of a built-in model")
    s.add_argument("--model", choices=ref.MODELS_224 + ref.MODELS_32, required=True)
    s.add_argument("--batches", type=int, nargs="+", default=[1])
    s.add_argument("--threads", type=int, nargs="+", default=[1])
    s.add_argument("--repeats", type=int, default=5)
    s.add_argument("--weights", default=None, help="optional Keras weights file (default: seeded random)")
    s.add_argument("--save-weights", default=None, help="write the model's weights here (.weights.h5) before timing")
    s.add_argument("--dump", default=None, help="folder for input.npy and each engine's batch-1 output (tensorflow.npy, onnxruntime.npy, openvino.npy)")
    a = p.parse_args()
    out = cmd_forward(a)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
