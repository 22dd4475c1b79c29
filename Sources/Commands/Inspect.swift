import FileSupport
import Foundation
import Graph
import HDF5
import KerasIO
import Zoo

/// What `convscope inspect` reports (the `--json` form follows Schemas/inspect.schema.json).
public struct InspectReport: Codable {
    public struct FileFacts: Codable {
        public var path: String
        public var bytes: Int
        public var generation: String
        /// Legacy files without keras_version: the marks the file shows and the reading applied.
        public var generationEvidence: String?
        public var kerasVersion: String?
        public var backend: String?
        public var fullModel: Bool
        public var optimizerState: Bool
        public var optimizerStateBytes: Int
        public var training: TrainingSummary?
        public var kernelOrientation: String
        public var archiveEntries: [String]?
    }
    public var file: FileFacts
    /// The built-in architecture paired with a weights-only file.
    public var arch: String?
    /// Keras' summary (nil for a weights-only file inspected without --arch).
    public var model: ModelSummary?
    /// Every stored weight in stored order.
    public var storedWeights: [StoredWeight]
    public var storedParams: Int
    public var totalParams: Int
    public var trainableParams: Int?
    public var nonTrainableParams: Int?
    /// Per-weight statistics (with --weights).
    public var weights: [WeightStatistics]?
    /// The HDF5 object tree (with --tree).
    public var tree: [TreeEntry]?
    /// Sharded weights: the shards, what each holds, and the totals.
    public var shards: ShardedWeightsSummary?
    /// Layers whose Keras dtype policy is not plain float32 (mixed or half precision).
    public var dtypePolicies: [DtypePolicy]?
    /// TF.js layers models: the writer and each weight's storage.
    public var tfjs: TFJSFacts?
    public var notes: [String]
    /// Layers Keras quantized (issue 16); absent when none is.
    public var quantized: [QuantizedLayerFacts]?
    /// With --weights: statistics of the quantized layers' dequantized values.
    public var dequantizedWeights: [WeightStatistics]?
    /// TensorFlow containers: variables as `tf.train.list_variables`, signatures, versions, assets.
    public var tensorflow: TFContainerFacts?
    /// What a forward pass costs and how the weights are stored (issue 20); absent without an architecture.
    public var cost: InspectCost?

    public struct TreeEntry: Codable {
        public var path: String
        public var kind: String
        public var shape: [Int]?
        public var dtype: String?
        public var attributes: [String: String]
    }
}

public enum Inspect {
    /// `costOfNested`: the cost rows of nested models' layers even when the table does not list them (the page shows them).
    public static func run(path: String, arch: String?, weights: Bool, tree: Bool, expandNested: Bool, batch: Int = 1, costOfNested: Bool = false) throws -> InspectReport {
        guard batch > 0 else { throw CommandError("--batch must be positive, got \(batch)") }
        let costRows = CostRows(batch: batch, expandNested: expandNested || costOfNested)
        var (report, stored) = try metadata(path: path, arch: arch, tree: tree, expandNested: expandNested, cost: costRows)
        if weights { report.weights = try WeightStatistics.compute(path: path, weights: stored) }
        if tree && report.tfjs == nil { report.tree = try objectTree(path) }
        if weights && report.quantized != nil {
            report.dequantizedWeights = try QuantizedLayerFacts.dequantizedStatistics(try ModelLoader.load(path, arch: arch, warn: false).model)
        }
        return report
    }

    /// The report without `--weights` statistics and `--tree`, and the stored weights those read. A file inspected
    /// alone is read once, in a forked child (the crash containment `KerasFile.preflight` gives every read), which
    /// hands back what it read; when the child meets an ordinary error it is read again in-process to report it.
    static func metadata(path: String, arch: String?, tree: Bool, expandNested: Bool, cost: CostRows = CostRows()) throws -> (InspectReport, StoredWeights) {
        if arch == nil, let data = try KerasFile.isolatedOutput(file: path, { () -> Data? in
            guard let m = try? metadataInProcess(path: path, arch: nil, tree: tree, expandNested: expandNested, cost: cost, isolated: true) else { return nil }
            return try? IsolatedMetadata.encoder.encode(IsolatedMetadata(report: m.0, stored: m.1))
        }), let m = try? IsolatedMetadata.decoder.decode(IsolatedMetadata.self, from: data) {
            return (m.report, m.stored)
        }
        return try metadataInProcess(path: path, arch: arch, tree: tree, expandNested: expandNested, cost: cost)
    }

    /// For which batch the cost is counted, and whether nested models' rows are included.
    struct CostRows { var batch = 1; var expandNested = false }

    /// What the isolated child sends back (JSON; non-finite numbers as strings so every report survives the trip).
    struct IsolatedMetadata: Codable {
        var report: InspectReport
        var stored: StoredWeights
        static var encoder: JSONEncoder {
            let e = JSONEncoder()
            e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return e
        }
        static var decoder: JSONDecoder {
            let d = JSONDecoder()
            d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return d
        }
    }

    /// `metadata` read in this process (paired files: `ModelLoader.load` runs the preflight); `isolated`: this is
    /// already the forked child, which needs no preflight of its own.
    static func metadataInProcess(path: String, arch: String?, tree: Bool, expandNested: Bool, cost: CostRows = CostRows(), isolated: Bool = false) throws -> (InspectReport, StoredWeights) {
        let paired = try arch.map { try ModelLoader.load(path, arch: $0) }
        let file: KerasModelFile
        if let pairedFile = paired?.file { file = pairedFile } else {
            if !isolated { try KerasFile.preflight(path) }
            file = try KerasFile.open(path, loadValues: false)
        }
        var summary: ModelSummary?
        var notes = file.notes
        if tree && file.tfjs != nil { notes.append("--tree lists HDF5 objects; a TF.js model has none (its weight files are listed in the TF.js section)") }
        if let paired {
            summary = ModelSummary(paired.model, expandNested: expandNested)
            notes += paired.attachment?.notes ?? []
        } else if let m = file.model {
            summary = ModelSummary(m, expandNested: expandNested)
        }
        var bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if let tf = file.tensorflow { bytes = tensorFlowBytes(tf) }
        if let t = file.tfjs { bytes = WholeFileRead.size(of: TFJSManifest.modelJSONPath(path)) + t.storedBytes }
        let facts = InspectReport.FileFacts(
            path: path, bytes: bytes, generation: file.generation.rawValue, generationEvidence: file.generationEvidence, kerasVersion: file.kerasVersion,
            backend: file.backend, fullModel: file.isFullModel, optimizerState: file.hasOptimizerState,
            optimizerStateBytes: file.optimizerStateBytes, training: file.training,
            kernelOrientation: file.kernelOrientation.rawValue, archiveEntries: file.archiveEntries)
        let stored = file.storedWeights
        let inspected = paired?.model ?? file.model
        let quantized = inspected.map(QuantizedLayerFacts.of) ?? []
        let policies = inspected.map(DtypePolicy.halfPrecisionLayers(of:)) ?? []
        if let n = dtypeNote(policies) { notes.append(n) }
        var report = InspectReport(
            file: facts, arch: arch, model: summary, storedWeights: stored.weights, storedParams: stored.parameterCount,
            totalParams: summary?.totalParams ?? stored.parameterCount,
            trainableParams: summary?.trainableParams, nonTrainableParams: summary?.nonTrainableParams,
            weights: nil, tree: nil,
            shards: file.shards, dtypePolicies: policies.isEmpty ? nil : policies, tfjs: file.tfjs,
            notes: (notes + (summary?.notes ?? [])).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } },
            tensorflow: file.tensorflow)
        report.cost = inspected.map { InspectCost.of($0, stored: stored, quantized: quantized, policies: policies, batch: cost.batch, expandNested: cost.expandNested) }
        if !quantized.isEmpty { report.quantized = quantized }
        return (report, stored)
    }

    /// The HDF5 objects with their attributes (long values shortened).
    static func objectTree(_ path: String) throws -> [InspectReport.TreeEntry] {
        try KerasFile.withWeightsHDF5(path) { f in
            var out: [InspectReport.TreeEntry] = []
            let root = try f.root
            out.append(.init(path: "/", kind: "group", shape: nil, dtype: nil, attributes: try attributes(of: root)))
            try root.walk { e in
                guard !e.isRevisit else { return }
                switch e.link.kind {
                case .group:
                    out.append(.init(path: e.path, kind: "group", shape: nil, dtype: nil, attributes: try attributes(of: try root.group(e.path))))
                case .dataset:
                    let d = try root.dataset(e.path)
                    out.append(.init(path: e.path, kind: "dataset", shape: d.shape, dtype: "\(d.dtype)", attributes: try attributes(of: d)))
                case .softLink:
                    out.append(.init(path: e.path, kind: "soft link (not followed)", shape: nil, dtype: nil, attributes: ["target": e.link.target ?? "?"]))
                case .externalLink:
                    out.append(.init(path: e.path, kind: "external link (not followed)", shape: nil, dtype: nil,
                                     attributes: ["target": "\(e.link.targetFile ?? "?"):\(e.link.target ?? "?")"]))
                case .other:
                    out.append(.init(path: e.path, kind: "other", shape: nil, dtype: nil, attributes: [:]))
                }
            }
            return out
        }
    }

    static func attributes(of owner: some H5AttributeOwner) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try owner.attributeNames() {
            let text: String
            switch try owner.attribute(name) {
            case .string(let s): text = s
            case .strings(let a): text = "[" + a.joined(separator: ", ") + "]"
            case .ints(let a): text = "\(a)"
            case .doubles(let a): text = "\(a)"
            }
            out[name] = text.count > 120 ? String(text.prefix(117)) + "…" : text
        }
        return out
    }

    /// Keras-summary-like text.
    public static func render(_ r: InspectReport) -> String {
        var lines: [String] = []
        let f = r.file
        lines.append("File: \(f.path) (\(formatBytes(f.bytes)))")
        if let e = f.generationEvidence {
            lines.append("Generation: unknown (\(e))")
        } else {
            lines.append("Generation: \(f.generation)  keras_version: \(f.kerasVersion ?? "absent")  backend: \(f.backend ?? "absent")")
        }
        lines.append("Contents: \(f.fullModel ? "full model" : "weights only")\(r.arch.map { Zoo.names.contains($0.lowercased()) ? ", paired with built-in --arch \($0)" : ", paired with the architecture in \($0)" } ?? "")")
        lines.append("Optimizer state: \(f.optimizerState ? "present (\(formatBytes(f.optimizerStateBytes)))" : "absent")")
        if let t = f.training {
            lines.append("Training config: optimizer \(t.optimizer ?? "?")\(t.learningRate.map { ", learning rate \($0)" } ?? ""), loss \(t.loss ?? "?")")
        }
        if f.kernelOrientation.hasPrefix("theano") { lines.append("Kernel orientation: \(f.kernelOrientation) (converted on read)") }
        lines.append("")
        if let m = r.model {
            let showInbound = !m.isSequential
            var rows: [[String]] = [["Layer (type)", "Output Shape", "Param #"] + (r.cost.map { ["MACs (batch \($0.batch))", "Output bytes", "Receptive field"] } ?? [])
                                    + (showInbound ? ["Connected to"] : [])]
            func add(_ l: LayerSummary, indent: String, path: String) {
                // An axis of unknown length (-1 in --json, e.g. an Embedding's sequence) prints as Keras prints it: None.
                let shapes = l.outputShapes.map { s in
                    s.map { "(None, " + $0.map { $0 < 0 ? "None" : String($0) }.joined(separator: ", ") + ")" } ?? "(unknown)"
                }
                var row = ["\(indent)\(l.name) (\(l.className))\(l.runnable ? "" : " [not runnable]")",
                           shapes.joined(separator: ", "), formatCount(l.params)] + (r.cost?.cells(path) ?? [])
                if showInbound { row.append(l.inbound.joined(separator: ", ")) }
                rows.append(row)
                for c in l.children ?? [] { add(c, indent: indent + "  ", path: path + "/" + c.name) }
            }
            for l in m.layers { add(l, indent: "", path: l.name) }
            lines.append("Model: \"\(m.name)\" (\(m.className))")
            lines += table(rows)
            // Quantized layers store fewer bytes than 4 per parameter (inspect's quantized section has them).
            let bytes = m.totalParams * 4 - (r.quantized ?? []).reduce(0) { $0 + $1.countParams * 4 - $1.storageBytes }
            lines.append("Total params: \(formatCount(m.totalParams)) (\(formatBytes(bytes)))")
            lines.append("Trainable params: \(formatCount(m.trainableParams))")
            lines.append("Non-trainable params: \(formatCount(m.nonTrainableParams))")
            lines += r.cost?.renderTotals() ?? []
        } else if r.tensorflow == nil {
            lines.append("Stored weights (no architecture in the file; pair one with --arch \(Zoo.names.joined(separator: "|"))):")
            var rows: [[String]] = [["Layer", "Weight", "Shape", "Dtype"]]
            for w in r.storedWeights { rows.append([w.layer, w.name, "(" + w.shape.map(String.init).joined(separator: ", ") + ")", w.dtype]) }
            lines += table(rows)
            lines.append("Total stored params: \(formatCount(r.storedParams)) (\(formatBytes(r.storedParams * 4)))")
        }
        if let s = r.shards { lines += renderShards(s) }
        if let ps = r.dtypePolicies { lines += renderPolicies(ps) }
        if let t = r.tfjs { lines += renderTFJS(t) }
        if let ws = r.weights {
            lines.append("")
            var rows: [[String]] = [["Weight", "Shape", "Min", "Max", "Mean", "Std", "Zeros", "NaN/Inf"]]
            for w in ws {
                rows.append(["\(w.layer)/\(w.name)", "(" + w.shape.map(String.init).joined(separator: ", ") + ")",
                             fmt(w.min), fmt(w.max), fmt(w.mean), fmt(w.std),
                             String(format: "%.1f%%", w.zeroFraction * 100), "\(w.nanCount)/\(w.infCount)"])
            }
            lines += table(rows)
        }
        lines += QuantizedLayerFacts.render(r.quantized ?? [], statistics: r.dequantizedWeights)
        if let tf = r.tensorflow { lines += renderTensorFlow(tf) }
        if let t = r.tree {
            lines.append("")
            lines.append("HDF5 objects:")
            for e in t {
                var s = "  \(e.path)  [\(e.kind)]"
                if let shape = e.shape { s += " shape (\(shape.map(String.init).joined(separator: ", "))) \(e.dtype ?? "")" }
                lines.append(s)
                for (k, v) in e.attributes.sorted(by: { $0.key < $1.key }) { lines.append("      @\(k) = \(v)") }
            }
        }
        for n in r.notes {
            lines.append(n.hasPrefix("warning: ") ? "Warning: \(n.dropFirst("warning: ".count))" : "Note: \(n)")
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ d: Double) -> String { String(format: "%.4g", d) }
}
