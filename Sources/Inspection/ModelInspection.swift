import FileSupport
import Foundation
import Graph
import KerasIO

/// A weights-only file already paired with an architecture (`inspect --arch`): what the model loader built.
public struct PairedModel {
    public var model: KerasModel
    /// The opened weights file (nil: it is opened here).
    public var file: KerasModelFile?
    public var attachment: WeightAttachment?

    public init(model: KerasModel, file: KerasModelFile?, attachment: WeightAttachment?) {
        self.model = model; self.file = file; self.attachment = attachment
    }
}

/// What `inspect` reads beyond the metadata, and how the cost is counted.
public struct InspectionOptions {
    /// Per-weight statistics (`--weights`).
    public var weights = false
    /// The HDF5 object tree (`--tree`).
    public var tree = false
    /// Nested models' layers listed (`--expand-nested`).
    public var expandNested = false
    /// The batch the cost is counted for (positive).
    public var batch = 1
    /// The cost rows of nested models' layers even when the table does not list them (the page shows them).
    public var costOfNested = false

    public init(weights: Bool = false, tree: Bool = false, expandNested: Bool = false, batch: Int = 1, costOfNested: Bool = false) {
        self.weights = weights; self.tree = tree; self.expandNested = expandNested; self.batch = batch; self.costOfNested = costOfNested
    }
}

/// `convscope inspect`'s report of a file: the metadata (read once, isolated, when the file is inspected alone),
/// then what the options ask for beyond it.
public enum ModelInspection {
    /// `arch`: the name or file `paired` was built from (reported as given).
    public static func report(path: String, arch: String?, paired: PairedModel?, options: InspectionOptions) throws -> InspectReport {
        let costRows = CostRows(batch: options.batch, expandNested: options.expandNested || options.costOfNested)
        var (report, stored) = try metadata(path: path, arch: arch, paired: paired, tree: options.tree, expandNested: options.expandNested, cost: costRows)
        if options.weights { report.weights = try WeightStatistics.compute(path: path, weights: stored) }
        if options.tree && report.tfjs == nil { report.tree = try ObjectTree.entries(path) }
        if options.weights && report.quantized != nil, let model = try paired?.model ?? loadedModel(path) {
            report.dequantizedWeights = try QuantizedLayerFacts.dequantizedStatistics(model)
        }
        return report
    }

    /// The model a file holds with its values (the dequantized statistics read them), behind the preflight.
    static func loadedModel(_ path: String) throws -> KerasModel? {
        try KerasFile.preflight(path)
        return try KerasFile.open(path, loadValues: true).model
    }

    /// For which batch the cost is counted, and whether nested models' rows are included.
    struct CostRows { var batch = 1; var expandNested = false }

    /// `metadata` read in this process (a paired model was loaded behind the preflight already); `isolated`: this
    /// is already the forked child, which needs no preflight of its own.
    static func metadataInProcess(path: String, arch: String? = nil, paired: PairedModel? = nil, tree: Bool, expandNested: Bool,
                                  cost: CostRows = CostRows(), isolated: Bool = false) throws -> (InspectReport, StoredWeights) {
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
        var bytes = WholeFileRead.size(of: path)
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

    /// The note on layers Keras' dtype policy computes in half precision.
    static func dtypeNote(_ policies: [DtypePolicy]) -> String? {
        let half = policies.filter { $0.computeDtype != "float32" }
        guard !half.isEmpty else { return nil }
        let list = half.map { "\($0.layer) (\($0.policy): \($0.computeDtype))" }.joined(separator: ", ")
        return "ConvScope computes in float32 from the stored values; Keras' dtype policy would compute \(list)"
    }

    /// A TensorFlow container's bytes on disk: the index, the data files and, for a SavedModel, its protobufs.
    static func tensorFlowBytes(_ tf: TFContainerFacts) -> Int {
        var files = [tf.bundlePrefix + ".index"] + tf.dataFiles
        if tf.container == "savedmodel" {
            let dir = URL(fileURLWithPath: tf.bundlePrefix).deletingLastPathComponent().deletingLastPathComponent().path
            files += ["saved_model.pb", "keras_metadata.pb", "fingerprint.pb"].map { dir + "/" + $0 }
        }
        return files.reduce(0) { $0 + WholeFileRead.size(of: $1) }
    }
}
