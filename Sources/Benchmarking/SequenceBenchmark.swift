import Foundation
import Graph
import Tensor

/// `convscope bench sequence` (issue 15, "Speed"): the forward pass of an LSTM (batch 32, 100 steps of 64
/// features, 128 units) and of a Conv1D model (two causal/same convolutions, pooling, global average,
/// Dense) on the same sequences, against the same Keras models under TensorFlow
/// (`Benchmarks/tf_reference.py sequence`). Random weights; timing only.
public enum SequenceBenchmark {
    public static let models = ["lstm", "conv1d"]
    static let (batch, steps, features) = (32, 100, 64)

    /// The model as Keras layers (class name, config), applied in turn after the input.
    static func layers(_ model: String) -> [(String, String)] {
        switch model {
        case "lstm": return [("LSTM", #"{"units": 128}"#)]
        default: return [("Conv1D", #"{"filters": 64, "kernel_size": 5, "padding": "causal", "activation": "relu"}"#),
                         ("MaxPooling1D", #"{"pool_size": 2}"#),
                         ("Conv1D", #"{"filters": 128, "kernel_size": 5, "padding": "same", "activation": "relu"}"#),
                         ("GlobalAveragePooling1D", #"{}"#),
                         ("Dense", #"{"units": 10}"#)]
        }
    }

    public static func graph(_ model: String) throws -> Graph {
        let g = Graph(name: model)
        let input = try LayerRegistry.make(className: "InputLayer", name: "x",
                                           config: try JSONParser().parse(#"{"batch_shape": [null, \#(steps), \#(features)]}"#))
        var last = try g.add(input, inputs: [])
        g.inputNodes = [last]
        for (k, (cls, config)) in layers(model).enumerated() {
            last = try g.add(try LayerRegistry.make(className: cls, name: "\(cls.lowercased())_\(k)", config: try JSONParser().parse(config)), inputs: [last])
        }
        g.outputNodes = [last]
        ForwardBenchmark.randomizeWeights(g)
        return g
    }

    public static func compare(models: [String], threads: [Int], repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        var rng = SeededRandom(seed: 11)
        var x = Tensor(zeros: [batch, steps, features])
        for i in x.data.indices { x.data[i] = 2 * rng.uniform() - 1 }
        for m in models {
            let g = try graph(m)
            for t in threads {
                Threading.set(t)
                let s = try medianSeconds(repeats: repeats) { _ = try g.predict(x) }
                let tf = try TFReference.seconds(skip: skipReference, ["sequence", "--model", m, "--batch", "\(batch)", "--threads", "\(t)",
                                                                      "--repeats", "\(repeats)"])
                report("\(m) forward batch \(batch) × \(steps) steps threads \(t)", convscope: s, tf: tf)
            }
        }
    }
}
