import FileSupport
import Foundation
import Graph
import MemoryLimit
import ProtoMessages
import SwiftProtobuf
import Tensor
import TensorBundle

/// tf.keras SavedModel directories (`model.save("dir")` in TF 2.x / tf-keras; docs/tf-containers.md §2):
/// the Keras config from `keras_metadata.pb` (or, TF 2.0–2.4, from `saved_model.pb`'s user objects),
/// the weights from `variables/` through the object graph. Graph-only and subclassed models are listed,
/// never run: nothing in the directory is executed.
enum SavedModelReader {
    static let kerasIdentifiers: Set<String> = ["_tf_keras_input_layer", "_tf_keras_layer", "_tf_keras_metric", "_tf_keras_model",
                                                "_tf_keras_network", "_tf_keras_rnn_layer", "_tf_keras_sequential"]
    static let maxProtoBytes = 2 << 30

    /// The directory a path names: a folder holding `saved_model.pb`, or that file itself.
    static func directory(of path: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return nil }
        if isDir.boolValue { return fm.fileExists(atPath: path + "/saved_model.pb") ? path : nil }
        guard (path as NSString).lastPathComponent == "saved_model.pb" else { return nil }
        let d = (path as NSString).deletingLastPathComponent
        return d.isEmpty ? "." : d
    }

    struct MetadataNode {
        var nodeID: Int
        var identifier: String
        var metadata: String
    }

    static func decodeOptions() -> BinaryDecodingOptions {
        var o = BinaryDecodingOptions()
        o.discardUnknownFields = true
        return o
    }

    static func readProto<M: SwiftProtobuf.Message>(_ path: String, as: M.Type) throws -> M {
        try WholeFileRead.check(path, limit: min(maxProtoBytes, MemoryLimit.bytes)) { KerasIOError(file: path, $0) }
        guard let data = FileManager.default.contents(atPath: path) else { throw KerasIOError(file: path, "cannot be read") }
        do { return try M(serializedBytes: data, options: decodeOptions()) } catch {
            throw KerasIOError(file: path, "not a readable \(M.protoMessageName) protobuf (\(error))")
        }
    }

    /// The MetaGraphDef and the Keras metadata nodes with where they came from.
    static func metadata(_ dir: String) throws -> (TFMetaGraphDef, [MetadataNode], String?) {
        let smPath = dir + "/saved_model.pb"
        let sm = try readProto(smPath, as: TFSavedModel.self)
        guard sm.metaGraphs.count == 1 else {
            throw KerasIOError(file: smPath, "holds \(sm.metaGraphs.count) meta graphs; a Keras SavedModel has exactly one", kind: .unsupported)
        }
        let mg = sm.metaGraphs[0]
        let count = mg.objectGraphDef.nodes.count
        let kmPath = dir + "/keras_metadata.pb"
        if FileManager.default.fileExists(atPath: kmPath) {
            let km = try readProto(kmPath, as: TFKerasSavedMetadata.self)
            let nodes = try km.nodes.map { n -> MetadataNode in
                guard n.nodeID >= 0, Int(n.nodeID) < max(count, 1) else {
                    throw KerasIOError(file: kmPath, object: n.nodePath, "node id \(n.nodeID) is outside saved_model.pb's \(count) objects")
                }
                return MetadataNode(nodeID: Int(n.nodeID), identifier: n.identifier, metadata: n.metadata)
            }
            return (mg, nodes, "keras_metadata.pb")
        }
        let nodes = mg.objectGraphDef.nodes.enumerated().compactMap { i, n -> MetadataNode? in
            guard case .userObject(let u)? = n.kind, kerasIdentifiers.contains(u.identifier), !u.metadata.isEmpty else { return nil }
            return MetadataNode(nodeID: i, identifier: u.identifier, metadata: u.metadata)
        }
        return (mg, nodes, nodes.isEmpty ? nil : "saved_model.pb")
    }

    /// tf-keras `json_utils` encodings undone: tuples and TensorShapes become arrays; `shared_object_id` dropped.
    static func decodeKerasJSON(_ j: JSON) -> JSON {
        switch j {
        case .array(let a): return .array(a.map(decodeKerasJSON))
        case .object(let o):
            if let cn = o["class_name"]?.stringValue, cn == "__tuple__" || cn == "TensorShape", let items = o["items"] {
                return decodeKerasJSON(items)
            }
            var out = JSONObject()
            for (k, v) in o.pairs where k != "shared_object_id" { out[k] = decodeKerasJSON(v) }
            return .object(out)
        default: return j
        }
    }

    static func spec(_ name: String, _ t: TFTensorInfo) -> TFContainerFacts.TensorSpec {
        .init(name: name, dtype: TFDataType(rawValue: t.dtype)?.name ?? "dtype \(t.dtype)",
              shape: t.tensorShape.unknownRank ? nil : t.tensorShape.dim.map { Int(clamping: $0.size) })
    }

    static func open(_ dir: String, loadValues: Bool) throws -> KerasModelFile {
        let (mg, meta, foundIn) = try metadata(dir)
        var source = foundIn
        var metaFile = source == "keras_metadata.pb" ? dir + "/keras_metadata.pb" : dir + "/saved_model.pb"
        var root: JSON?
        var rootIdentifier = meta.first(where: { $0.nodeID == 0 })?.identifier
        if let r = meta.first(where: { $0.nodeID == 0 }) {
            do { root = try JSONParser(maxDepth: 512).parse(r.metadata) } catch {
                throw KerasIOError(file: metaFile, object: "root object metadata", "malformed JSON: \(error)")
            }
        } else if meta.isEmpty, FileManager.default.fileExists(atPath: dir + "/assets/saved_model.json") {
            // TF 1.x export (tf.contrib.saved_model.save_keras_model, Teachable Machine): the model JSON as an asset.
            metaFile = dir + "/assets/saved_model.json"
            try WholeFileRead.check(metaFile, limit: min(maxProtoBytes, MemoryLimit.bytes)) { KerasIOError(file: metaFile, $0) }
            let text = (try? String(contentsOfFile: metaFile, encoding: .utf8)) ?? ""
            do { root = try JSONParser(maxDepth: 512).parse(text) } catch {
                throw KerasIOError(file: metaFile, "malformed JSON: \(error)")
            }
            source = "assets/saved_model.json"
            if let c = root?["class_name"]?.stringValue, c == "Sequential" || c == "Model" || c == "Functional" { rootIdentifier = "_tf_keras_network" }
        }
        let prefix = dir + "/variables/variables"
        guard FileManager.default.fileExists(atPath: prefix + ".index") else {
            throw KerasIOError(file: dir, "no variables/variables.index: the SavedModel's variables are missing")
        }
        let (bundle, graph) = try TFCheckpointReader.bundle(prefix)
        let vars = TFCheckpointReader.variables(bundle, graph)
        let stored = TFCheckpointReader.storedLayers(vars)
        let opt = vars.variables.filter { $0.group == "optimizer" }
        var assets = mg.assetFileDef.map(\.filename)
        if let listed = try? FileManager.default.contentsOfDirectory(atPath: dir + "/assets") {
            for a in listed.sorted() where !assets.contains(a) { assets.append(a) }
        }
        var facts = TFContainerFacts(
            container: "savedmodel", bundlePrefix: prefix, dataFiles: (0..<bundle.shardCount).map(bundle.dataFile),
            tensorflowVersion: mg.metaInfoDef.tensorflowVersion.isEmpty ? nil : mg.metaInfoDef.tensorflowVersion,
            metadataSource: source, rootClass: nil,
            signatures: mg.signatureDef.keys.sorted().filter { $0 != "__saved_model_init_op" }.map { k in
                let s = mg.signatureDef[k]!
                return .init(name: k, method: s.methodName, inputs: s.inputs.keys.sorted().map { spec($0, s.inputs[$0]!) },
                             outputs: s.outputs.keys.sorted().map { spec($0, s.outputs[$0]!) })
            },
            assets: assets, variables: vars.variables)

        var model: KerasModel?
        var attachment: WeightAttachment?
        var training: TrainingSummary?
        var notes: [String] = []
        var unrunnable: String?
        facts.rootClass = root?["class_name"]?.stringValue
        if let root {
            if let t = root["training_config"], !t.isNull { training = KerasFile.trainingSummary(decodeKerasJSON(t)) }
            let isGraph = rootIdentifier == "_tf_keras_sequential" || rootIdentifier == "_tf_keras_network"
                || root["is_graph_network"]?.boolValue == true
            if isGraph, let cls = root["class_name"], let cfg = root["config"] {
                let config = decodeKerasJSON(["class_name": cls, "config": cfg])
                let m = try ModelConfigParser(file: metaFile, dialect: .legacy).parse(json: config, object: "root object metadata")
                if loadValues { try WeightMemory.check(stored, file: prefix + ".index") }
                let read: (StoredWeight) throws -> [Float] = { w in
                    loadValues ? try bundle.floats(w.path) : Tensor.zeroFilled(w.count)
                }
                var att = WeightAttacher(file: prefix + ".index", read: read)
                try att.attachObjectGraph(graph, bundle: bundle, entries: m.layers)
                if let u = att.report.unusedStored.first {
                    throw KerasIOError(file: prefix + ".index", "stored variable '\(u)' belongs to no layer of the model config\(att.report.unusedStored.count > 1 ? " (and \(att.report.unusedStored.count - 1) more)" : "")")
                }
                model = m
                attachment = att.report
                notes += m.notes + att.report.notes
            } else {
                let cls = root["class_name"]?.stringValue ?? "?"
                unrunnable = "\(dir): subclassed model class '\(cls)': its call() is Python code that is not in the SavedModel; its layers and weights are listed, running it is refused"
            }
        } else {
            let why = meta.isEmpty && mg.objectGraphDef.nodes.contains(where: {
                if case .userObject(let u)? = $0.kind { return kerasIdentifiers.contains(u.identifier) }
                return false
            }) ? "written by tf.saved_model.save, without the Keras metadata (keras_metadata.pb)"
               : "not a Keras model (no Keras objects in it; e.g. Keras 3 model.export())"
            unrunnable = "\(dir): graph-only SavedModel \(why): it has no Keras architecture to run; inspect lists its signatures and variables"
        }
        if let u = unrunnable { notes.append(u.replacingOccurrences(of: "\(dir): ", with: "")) }
        return KerasModelFile(path: dir, generation: .tfkerasSavedModel, kerasVersion: root?["keras_version"]?.stringValue,
                              backend: root?["backend"]?.stringValue, isFullModel: model != nil,
                              hasOptimizerState: !opt.isEmpty, optimizerStateBytes: opt.reduce(0) { $0 + $1.bytes },
                              training: training, kernelOrientation: .tensorflow, model: model,
                              storedWeights: StoredWeights(layers: stored), attachment: attachment, notes: notes,
                              archiveEntries: nil, storedLayers: stored, tensorflow: facts, unrunnable: unrunnable)
    }

    static func attach(_ dir: String, entries: [ModelEntry]) throws -> WeightAttachment {
        try TFCheckpointReader.attach(dir + "/variables/variables", entries: entries, label: dir)
    }
}
