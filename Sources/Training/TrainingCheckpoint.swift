import FileSupport
import Foundation
import Imaging
import Tensor

/// Everything needed to continue a run bit-exactly: every layer's variables, optimizer state,
/// the position (epoch, next batch, optimizer iterations), the running sums of the current
/// epoch, the seed, early-stopping state and the history so far.
///
/// Randomness needs no stored generator state: the shuffle of epoch e, and the augmentation and
/// dropout draws of batch (e, b), come from generators seeded by (seed, e[, b]), so the seed and
/// the position determine them.
///
/// File format (one file, little-endian): the 8 bytes `CSCKPT01`, a UInt64 header length, the
/// header as JSON (everything but tensors, plus a table of tensor names, shapes and offsets),
/// then the tensors' float32 values back to back.
public struct TrainingCheckpoint: Equatable {
    public struct Position: Codable, Equatable, Sendable {
        public var epoch: Int
        /// Next batch to run within `epoch`.
        public var batch: Int
        /// Sample-weighted loss sum, correct count and sample count of `epoch` so far.
        public var lossSum: Double
        public var correct: Double
        public var seen: Int
        /// Training seconds already spent in `epoch`.
        public var seconds: Double
        public init(epoch: Int = 0, batch: Int = 0, lossSum: Double = 0, correct: Double = 0, seen: Int = 0, seconds: Double = 0) {
            self.epoch = epoch; self.batch = batch; self.lossSum = lossSum
            self.correct = correct; self.seen = seen; self.seconds = seconds
        }
    }

    public var model: String
    public var seed: UInt64
    public var position: Position
    public var optimizerKind: String
    public var schedule: LearningRateSchedule
    public var optimizer: OptimizerState
    /// Variables of every layer by key (`node name` of the layer's first application), in `weights` order.
    public var weights: [String: [Tensor]]
    public var history: History
    public var earlyStopping: EarlyStopping?

    public init(model: String, seed: UInt64, position: Position, optimizerKind: String, schedule: LearningRateSchedule,
                optimizer: OptimizerState, weights: [String: [Tensor]], history: History, earlyStopping: EarlyStopping?) {
        self.model = model; self.seed = seed; self.position = position; self.optimizerKind = optimizerKind
        self.schedule = schedule; self.optimizer = optimizer; self.weights = weights
        self.history = history; self.earlyStopping = earlyStopping
    }

    static let magic = Array("CSCKPT01".utf8)

    struct Entry: Codable {
        var name: String
        var shape: [Int]
        var offset: Int
    }

    struct Header: Codable {
        var version = 1
        var model: String
        var seed: UInt64
        var position: Position
        var optimizerKind: String
        var schedule: LearningRateSchedule
        var iterations: Int
        var history: History
        var earlyStopping: EarlyStopping?
        var tensors: [Entry]
    }

    /// Tensor names: `weights/<key>/<i>`, `slots/<key>/<i>`, `best/<key>/<i>`.
    private func namedTensors() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        func add(_ prefix: String, _ table: [String: [Tensor]]) {
            for key in table.keys.sorted() {
                for (i, t) in table[key]!.enumerated() { out.append(("\(prefix)/\(key)/\(i)", t)) }
            }
        }
        add("weights", weights)
        add("slots", optimizer.slots)
        if let best = earlyStopping?.bestWeights { add("best", best) }
        return out
    }

    /// The file's bytes.
    public func encoded() throws -> Data {
        let tensors = namedTensors()
        var entries: [Entry] = []
        var offset = 0
        for (name, t) in tensors { entries.append(Entry(name: name, shape: t.shape, offset: offset)); offset += t.count }
        let header = Header(model: model, seed: seed, position: position, optimizerKind: optimizerKind, schedule: schedule,
                            iterations: optimizer.iterations, history: history, earlyStopping: earlyStopping, tensors: entries)
        let json = try JSONEncoder().encode(header)
        var data = Data(Self.magic)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.reserveCapacity(data.count + offset * 4)
        for (_, t) in tensors { Self.appendLittleEndian(t.data, to: &data) }
        return data
    }

    public init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 16, Array(bytes[0..<8]) == Self.magic else { throw TrainingError.badCheckpoint("not a ConvScope training checkpoint") }
        var len: UInt64 = 0
        for k in 0..<8 { len |= UInt64(bytes[8 + k]) << (8 * UInt64(k)) }
        guard len <= UInt64(bytes.count - 16) else { throw TrainingError.badCheckpoint("truncated header") }
        let headerEnd = 16 + Int(len)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd])) } catch {
            throw TrainingError.badCheckpoint("unreadable header: \(error)")
        }
        guard header.version == 1 else { throw TrainingError.badCheckpoint("version \(header.version) is not supported") }
        var weights: [String: [Tensor]] = [:], slots: [String: [Tensor]] = [:], best: [String: [Tensor]] = [:]
        for e in header.tensors {
            let n = e.shape.reduce(1, *)
            let start = headerEnd + e.offset * 4
            guard e.offset >= 0, n >= 0, start + n * 4 <= bytes.count else { throw TrainingError.badCheckpoint("tensor '\(e.name)' is truncated") }
            let values = Self.floatsLittleEndian(bytes, from: start, count: n)
            let parts = e.name.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, let slash = parts[1].lastIndex(of: "/"), let index = Int(parts[1][parts[1].index(after: slash)...]) else {
                throw TrainingError.badCheckpoint("bad tensor name '\(e.name)'")
            }
            let key = String(parts[1][..<slash])
            func put(_ table: inout [String: [Tensor]]) throws {
                var list = table[key] ?? []
                guard index == list.count else { throw TrainingError.badCheckpoint("tensor '\(e.name)' out of order") }
                list.append(Tensor(shape: e.shape, data: values))
                table[key] = list
            }
            switch parts[0] {
            case "weights": try put(&weights)
            case "slots": try put(&slots)
            case "best": try put(&best)
            default: throw TrainingError.badCheckpoint("unknown tensor group in '\(e.name)'")
            }
        }
        var stopping = header.earlyStopping
        if !best.isEmpty { stopping?.bestWeights = best }
        self.init(model: header.model, seed: header.seed, position: header.position, optimizerKind: header.optimizerKind,
                  schedule: header.schedule, optimizer: OptimizerState(iterations: header.iterations, slots: slots),
                  weights: weights, history: header.history, earlyStopping: stopping)
    }

    /// Writes atomically (`AtomicFile`): a temporary file in the same folder, fsync, then rename over `url`.
    public func write(to url: URL) throws {
        let data = try encoded()
        do { try AtomicFile.write(data: data, to: url) } catch let e as AtomicFile.WriteError {
            throw TrainingError.badCheckpoint("cannot write '\(url.path)': \(e.message)")
        }
    }

    /// Appends `values` as little-endian float32 (one copy on little-endian machines).
    static func appendLittleEndian(_ values: [Float], to data: inout Data) {
        if UInt32(1).littleEndian == 1 {
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        } else {
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
    }

    /// `count` little-endian float32 values starting at byte `start` (the caller checked the range).
    static func floatsLittleEndian(_ bytes: [UInt8], from start: Int, count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { raw in out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<(start + count * 4)])) }
        }
        if UInt32(1).littleEndian != 1 {
            for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
        }
        return values
    }

    public static func read(from url: URL) throws -> TrainingCheckpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw TrainingError.badCheckpoint("cannot read '\(url.path)': \(error.localizedDescription)") }
        return try TrainingCheckpoint(data: data)
    }
}
