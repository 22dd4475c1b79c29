import FileSupport
import Foundation
import ONNXMessages

/// What was written.
public struct ONNXWriteSummary: Codable, Sendable {
    public var path: String
    /// The external data file beside it (`model.onnx.data`), when the model needed one.
    public var externalData: String?
    public var opset: Int
    public var irVersion: Int
    public var nodes: Int
    public var initializers: Int
    public var parameters: Int
    /// Bytes of the model file and of its external data together.
    public var bytes: Int
}

/// Writes an ONNX model atomically: one `.onnx` file, or — when its weights would pass protobuf's 2 GiB
/// message limit — the model with every large initializer moved to `NAME.data` beside it (ONNX external
/// data: `location`, `offset`, `length`; offsets 4 KiB aligned), the pair written through
/// `AtomicFile.writeAll` (the data renamed first, the model last).
public enum ONNXFile {
    /// Above this many bytes of initializers the weights go to external data (protobuf refuses
    /// messages of 2 GiB; headroom for the graph).
    public static let externalDataThreshold = 2_000_000_000
    /// Initializers smaller than this stay inside the model even with external data.
    static let externalMinimum = 1024
    static let alignment = 4096

    public static func write(_ model: ONNXModelProto, to path: String, externalAbove threshold: Int = externalDataThreshold) throws -> ONNXWriteSummary {
        var model = model
        let url = URL(fileURLWithPath: path)
        let weightBytes = model.graph.initializer.reduce(0) { $0 + $1.rawData.count }
        let parameters = model.graph.initializer.filter { $0.dataType != Int32(ONNXTensorProto.DataType.int64.rawValue) }
            .reduce(0) { $0 + Int($1.dims.reduce(1, *)) }        // float and quantized weights, not shapes and axes
        var summary = ONNXWriteSummary(path: path, externalData: nil, opset: Int(model.opsetImport.first?.version ?? 0),
                                       irVersion: Int(model.irVersion), nodes: model.graph.node.count,
                                       initializers: model.graph.initializer.count, parameters: parameters, bytes: 0)
        if weightBytes <= threshold {
            let data = try model.serializedData()
            try AtomicFile.write(data: data, to: url)
            summary.bytes = data.count
            return summary
        }
        let dataName = url.lastPathComponent + ".data"
        let dataURL = url.deletingLastPathComponent().appendingPathComponent(dataName)
        var serialized = Data()
        var dataBytes = 0
        try AtomicFile.writeAll([
            (dataURL, { temporary in
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
                defer { try? handle.close() }
                var offset = 0
                for i in model.graph.initializer.indices where model.graph.initializer[i].rawData.count >= externalMinimum {
                    let padding = (alignment - offset % alignment) % alignment
                    if padding > 0 { try handle.write(contentsOf: Data(count: padding)); offset += padding }
                    let bytes = model.graph.initializer[i].rawData
                    try handle.write(contentsOf: bytes)
                    model.graph.initializer[i].rawData = Data()
                    model.graph.initializer[i].dataLocation = .external
                    model.graph.initializer[i].externalData = [entry("location", dataName), entry("offset", String(offset)),
                                                               entry("length", String(bytes.count))]
                    offset += bytes.count
                }
                dataBytes = offset
            }),
            (url, { temporary in
                serialized = try model.serializedData()
                try serialized.write(to: URL(fileURLWithPath: temporary))
            }),
        ])
        summary.externalData = dataURL.path
        summary.bytes = serialized.count + dataBytes
        return summary
    }

    static func entry(_ key: String, _ value: String) -> ONNXStringStringEntryProto {
        var e = ONNXStringStringEntryProto()
        e.key = key
        e.value = value
        return e
    }
}
