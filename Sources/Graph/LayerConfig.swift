import Tensor

/// Typed reads of a Keras layer config, with errors that name the layer and key.
/// Handles the spellings of every generation (e.g. `kernel_size` as 3 or [3, 3]).
public struct LayerConfig {
    public let layer: String
    public let json: JSON

    public init(layer: String, json: JSON) {
        self.layer = layer
        self.json = json
    }

    public func has(_ key: String) -> Bool { json[key].map { !$0.isNull } ?? false }

    public func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let v = json[key], !v.isNull else {
            if let value { return value }
            throw LayerError(layer, "config has no '\(key)'")
        }
        guard let i = v.intValue else { throw LayerError(layer, "config '\(key)' must be an integer, found \(v.serialized())") }
        return i
    }

    public func double(_ key: String, default value: Double? = nil) throws -> Double {
        guard let v = json[key], !v.isNull else {
            if let value { return value }
            throw LayerError(layer, "config has no '\(key)'")
        }
        guard let d = v.doubleValue else { throw LayerError(layer, "config '\(key)' must be a number, found \(v.serialized())") }
        return d
    }

    public func optionalDouble(_ key: String) throws -> Double? {
        guard let v = json[key], !v.isNull else { return nil }
        guard let d = v.doubleValue else { throw LayerError(layer, "config '\(key)' must be a number, found \(v.serialized())") }
        return d
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = json[key], !v.isNull else { return value }
        guard let b = v.boolValue else { throw LayerError(layer, "config '\(key)' must be true or false, found \(v.serialized())") }
        return b
    }

    public func string(_ key: String, default value: String? = nil) throws -> String {
        guard let v = json[key], !v.isNull else {
            if let value { return value }
            throw LayerError(layer, "config has no '\(key)'")
        }
        guard let s = v.stringValue else { throw LayerError(layer, "config '\(key)' must be a string, found \(v.serialized())") }
        return s
    }

    /// An int tuple of `count` entries; a single int is repeated (Keras accepts both).
    public func ints(_ key: String, count: Int, default value: [Int]? = nil) throws -> [Int] {
        guard let v = json[key], !v.isNull else {
            if let value { return value }
            throw LayerError(layer, "config has no '\(key)'")
        }
        if let i = v.intValue { return [Int](repeating: i, count: count) }
        guard let a = v.arrayValue, a.count == count else {
            throw LayerError(layer, "config '\(key)' must be an integer or \(count) integers, found \(v.serialized())")
        }
        return try a.map {
            guard let i = $0.intValue else { throw LayerError(layer, "config '\(key)' must hold integers, found \(v.serialized())") }
            return i
        }
    }

    /// A list of ints of any length (Reshape target, Permute dims); null entries become -1.
    public func intList(_ key: String) throws -> [Int] {
        guard let a = json[key]?.arrayValue else { throw LayerError(layer, "config has no list '\(key)'") }
        return try a.map {
            if $0.isNull { return -1 }
            guard let i = $0.intValue else { throw LayerError(layer, "config '\(key)' must hold integers") }
            return i
        }
    }

    /// `padding` of a window layer: "same" or "valid" (TensorFlow's rule), and "causal" where Keras
    /// accepts it (Conv1D).
    public func padding(allowingCausal: Bool = false) throws -> ConvGeometry.Padding {
        let raw = try string("padding", default: "valid")
        guard let p = ConvGeometry.Padding(rawValue: raw), allowingCausal || p != .causal else {
            throw LayerError(layer, "padding '\(raw)' is not supported (same, valid\(allowingCausal ? ", causal" : ""))")
        }
        return p
    }

    /// The window of a convolution with `rank` spatial axes: `kernel_size`, `strides` (default 1),
    /// `dilation_rate` (default 1), all positive, `rank` entries each.
    public func convolutionWindow(rank: Int = 2) throws -> (kernel: [Int], strides: [Int], dilation: [Int]) {
        let ones = [Int](repeating: 1, count: rank)
        let k = try ints("kernel_size", count: rank)
        let s = try ints("strides", count: rank, default: ones)
        let d = try ints("dilation_rate", count: rank, default: ones)
        guard (k + s + d).allSatisfy({ $0 > 0 }) else {
            throw LayerError(layer, "kernel_size, strides and dilation_rate must be positive")
        }
        return (k, s, d)
    }

    /// The window of a pooling with `rank` spatial axes: `pool_size` (default 2), `strides` (default:
    /// the pool size), all positive, `rank` entries each.
    public func poolingWindow(rank: Int = 2) throws -> (pool: [Int], strides: [Int]) {
        let pool = try ints("pool_size", count: rank, default: [Int](repeating: 2, count: rank))
        let s = has("strides") ? try ints("strides", count: rank) : pool
        guard (pool + s).allSatisfy({ $0 > 0 }) else { throw LayerError(layer, "pool_size and strides must be positive") }
        return (pool, s)
    }

    /// Refuses any data format but channels-last: the kernels' tensors are NHWC (the kinds that accept
    /// channels_first get a channels-last config inside `ChannelsFirst`, so this refuses only unknown formats
    /// for them, and channels_first for the kinds that do not take it).
    public func requireChannelsLast() throws {
        let format = (try? string("data_format", default: "channels_last")) ?? "channels_last"
        if format != "channels_last" {
            throw LayerError(layer, "data_format '\(format)' is not supported for this layer")
        }
    }
}

extension Layer {
    public var cfg: LayerConfig { LayerConfig(layer: name, json: config) }
}
