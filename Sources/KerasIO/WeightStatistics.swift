import Foundation
import HDF5
import MemoryLimit

/// Summary statistics of one stored weight, computed by streaming the dataset in row blocks,
/// so even VGG16's 400 MB fc1 kernel never needs more than one block in memory.
public struct WeightStatistics: Codable, Equatable, Sendable {
    public var layer: String
    public var name: String
    public var shape: [Int]
    public var dtype: String
    public var min: Double
    public var max: Double
    public var mean: Double
    public var std: Double
    public var zeroFraction: Double
    public var nanCount: Int
    public var infCount: Int

    /// Streams every stored weight of `path` (h5 of any generation, or the weights inside a `.keras`).
    public static func compute(path: String, weights: StoredWeights) throws -> [WeightStatistics] {
        let kind = try KerasFile.sniff(path)
        if kind == .tfjs { return try TFJSModelReader.statistics(path) }
        if let bundle = try TFCheckpointReader.bundle(of: kind) {
            return try weights.weights.map { w in
                var acc = Accumulator()
                acc.add(try bundle.floats(w.path))
                return acc.result(layer: w.layer, name: w.name, shape: w.shape, dtype: w.dtype)
            }
        }
        let all = weights.weights
        guard all.contains(where: { $0.shard != nil }) else {
            return try KerasFile.withWeightsHDF5(path) { file in
                let root = try file.root
                return try all.map { try statistics(of: $0, in: root) }
            }
        }
        // Sharded weights: each shard opened once, results in stored order.
        var out = [WeightStatistics?](repeating: nil, count: all.count)
        let folder = (path as NSString).deletingLastPathComponent
        for shard in Set(all.compactMap(\.shard)).sorted() {
            try KerasFile.withWeightsHDF5((folder as NSString).appendingPathComponent(shard)) { file in
                let root = try file.root
                for (i, w) in all.enumerated() where w.shard == shard { out[i] = try statistics(of: w, in: root) }
            }
        }
        return out.compactMap { $0 }
    }

    static func statistics(of w: StoredWeight, in root: H5Group) throws -> WeightStatistics {
        let ds = try root.dataset(w.path)
        try ds.checkSafeToRead()
        var acc = Accumulator()
        if w.dtype == "bfloat16" {
            acc.add(try ds.readBFloat16())
        } else if ds.shape.isEmpty {
            acc.add(try ds.readDoubles())
        } else {
            // Blocks of 16 MiB, smaller under a lower memory limit; a row over the limit is refused.
            let rowBytes = Swift.max(ds.rowLength * 8, 1)
            let blockBytes = Swift.min(16 << 20, MemoryLimit.bytes)
            try ds.forEachRowBlock(rowsPerBlock: Swift.max(1, blockBytes / rowBytes)) { _, block in
                acc.add(block)
            }
        }
        return acc.result(layer: w.layer, name: w.name, shape: w.shape, dtype: w.dtype)
    }

    /// Statistics of values already in memory (a quantized layer's dequantized kernel).
    public static func of(_ values: [Float], layer: String, name: String, shape: [Int], dtype: String) -> WeightStatistics {
        var acc = Accumulator()
        acc.add(values)
        return acc.result(layer: layer, name: name, shape: shape, dtype: dtype)
    }

    /// Running sums in Double (Welford would also do; the sums are exact enough for float32 data).
    struct Accumulator {
        var n = 0, zeros = 0, nans = 0, infs = 0
        var lo = Double.infinity, hi = -Double.infinity
        var sum = 0.0, sumSq = 0.0

        mutating func add<F: BinaryFloatingPoint>(_ values: [F]) {
            for f in values {
                let v = Double(f)
                if v.isNaN { nans += 1; continue }
                if v.isInfinite { infs += 1; continue }
                n += 1
                if v == 0 { zeros += 1 }
                lo = Swift.min(lo, v); hi = Swift.max(hi, v)
                sum += v; sumSq += v * v
            }
        }

        func result(layer: String, name: String, shape: [Int], dtype: String) -> WeightStatistics {
            let mean = n > 0 ? sum / Double(n) : 0
            let variance = n > 0 ? Swift.max(sumSq / Double(n) - mean * mean, 0) : 0
            let total = n + nans + infs
            return WeightStatistics(layer: layer, name: name, shape: shape, dtype: dtype,
                                    min: n > 0 ? lo : 0, max: n > 0 ? hi : 0, mean: mean, std: variance.squareRoot(),
                                    zeroFraction: total > 0 ? Double(zeros) / Double(total) : 0,
                                    nanCount: nans, infCount: infs)
        }
    }
}

extension KerasFile {
    /// Opens the HDF5 file that holds the weights: the file itself, or `model.weights.h5`
    /// from inside a `.keras` archive (in memory, no temporary file).
    public static func withWeightsHDF5<T>(_ path: String, _ body: (H5File) throws -> T) throws -> T {
        switch try sniff(path) {
        case .hdf5:
            let f = try H5File.open(path)
            defer { f.close() }
            return try body(f)
        case .zip:
            let archive = try KerasArchive(file: path)
            guard let bytes = try archive.read("model.weights.h5") else {
                throw KerasIOError(file: path, "archive has no model.weights.h5")
            }
            let f = try MemoryFile.open(bytes: bytes, label: path + ":model.weights.h5")
            defer { f.close() }
            return try body(f)
        case .kerasFolder:
            let p = try KerasFolderReader.weightsPath(path)
            let f = try H5File.open(p)
            defer { f.close() }
            return try body(f)
        case .shardManifest:
            throw KerasIOError(file: path, "is a sharded weights manifest: its HDF5 objects are in its shards; name one shard file", kind: .unsupported)
        case .tfjs:
            throw KerasIOError(file: path, "a TF.js model.json: its weights are in .bin files, not HDF5", kind: .unsupported)
        case .savedModel, .tfCheckpoint:
            throw KerasIOError(file: path, "is a TensorFlow container, not an HDF5 file: it has no HDF5 objects to list", kind: .unsupported)
        }
    }
}
