import Failure
import Graph

/// Built-in architectures with Keras' layer names, for weights-only files (`--arch NAME`).
///
/// `conv` and `vonc` are the paper's models (1000-way tops, see docs/paper-facts.md, "Models");
/// `vgg16` and `resnet50` are built as `keras.applications` builds them.
public enum Zoo {
    public static let names = ["conv", "vonc", "vgg16", "resnet50"]

    /// The executable graph and its Keras 3 functional config.
    public static func model(named name: String) throws -> (graph: Graph, config: JSON) {
        switch name.lowercased() {
        case "conv": return try conv()
        case "vonc": return try vonc()
        case "vgg16": return try vgg16()
        case "resnet50": return try resnet50()
        default: throw ZooError.unknown(name)
        }
    }

    public static func graph(named name: String) throws -> Graph { try model(named: name).graph }

    /// Keras' `preprocess_input` mode each model expects.
    public static func preprocessing(for name: String) -> String {
        ["vgg16": "caffe", "resnet50": "caffe"][name.lowercased()] ?? "scale"
    }

    static func conv2D(_ filters: Int, _ k: Int, padding: String, activation: String = "relu",
                       strides: Int = 1, useBias: Bool = true) -> [(String, JSON)] {
        [("filters", .number(Double(filters))), ("kernel_size", .ints([k, k])), ("strides", .ints([strides, strides])),
         ("padding", .string(padding)), ("data_format", "channels_last"), ("dilation_rate", .ints([1, 1])),
         ("groups", 1), ("activation", .string(activation)), ("use_bias", .bool(useBias))]
    }

    static func dense(_ units: Int, _ activation: String, maxNorm: Double? = nil) -> [(String, JSON)] {
        var c: [(String, JSON)] = [("units", .number(Double(units))), ("activation", .string(activation)), ("use_bias", true)]
        if let m = maxNorm {
            c.append(("kernel_constraint", ["module": "keras.constraints", "class_name": "MaxNorm",
                                            "config": ["max_value": .number(m), "axis": 0], "registered_name": .null]))
        }
        return c
    }

    static func pool(_ size: Int, strides: Int? = nil, padding: String = "valid") -> [(String, JSON)] {
        [("pool_size", .ints([size, size])), ("strides", .ints([strides ?? size, strides ?? size])),
         ("padding", .string(padding)), ("data_format", "channels_last")]
    }

    static func dropout(_ rate: Double) -> [(String, JSON)] { [("rate", .number(rate))] }
}

public enum ZooError: ConvScopeFailure {
    case unknown(String)
    public var description: String {
        "unknown architecture '\(self.name)' (built in: \(Zoo.names.joined(separator: ", ")))"
    }
    private var name: String { if case .unknown(let n) = self { return n }; return "" }
}
