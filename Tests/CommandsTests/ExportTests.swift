import Commands
import Foundation
import Graph
import HDF5
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest
import Zoo

/// Writing Keras files: in-memory HDF5, round trips through every format, Keras itself loading the
/// exports (through Tests/keras_load_check.py), and crash safety of `convscope export`.
final class ExportTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let formats = root.appendingPathComponent("Fixtures/formats")
    static let models = ["tiny", "multi", "nested"]
    static let sources = ["keras3.h5", "tfkeras.h5", "keras3.keras"]

    static func fixture(_ name: String) -> String { formats.appendingPathComponent(name).path }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    static func ext(_ f: KerasExportFormat) -> String {
        switch f {
        case .keras: return "keras"
        case .keras3Weights: return "weights.h5"
        case .keras3ShardedWeights: return "weights.json"
        case .tfjs: return "tfjs"
        default: return "h5"
        }
    }

    // MARK: In-memory HDF5

    func testInMemoryHDF5RoundTrip() throws {
        let f = try H5File.createInMemory(name: "mem.h5")
        let root = try f.root
        try root.setAttribute("note", .string("hello"))
        try root.createGroup("a/b").createDataset(name: "x", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        let bytes = try f.imageBytes()
        f.close()
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A])
        let g = try H5File.open(image: bytes, name: "copy.h5")
        defer { g.close() }
        XCTAssertTrue(g.isInMemory)
        XCTAssertEqual(try g.root.attribute("note"), .string("hello"))
        XCTAssertEqual(try g.root.dataset("a/b/x").readFloats(), [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try H5File.open(image: Data("not hdf5 at all".utf8), name: "junk.h5")) { e in
            XCTAssertTrue("\(e)".contains("junk.h5"), "\(e)")
        }
    }

    /// `.keras` archives are read through a file image: no temporary file appears while reading.
    func testKerasArchiveReadsWithoutTemporaryFiles() throws {
        let tmp = FileManager.default.temporaryDirectory.path
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("convscope-keras-") }
        let file = try KerasFile.open(Self.fixture("tiny.keras3.keras"))
        XCTAssertEqual(file.model?.parameterCount, 3314)
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { $0.hasPrefix("convscope-keras-") }
        XCTAssertEqual(before, after)
    }

    // MARK: Round trips

    /// Plain layers with weights, by path, in order.
    static func weightsByLayer(_ m: KerasModel) -> [(String, [WeightVariable])] {
        m.flattenedLayers.compactMap { e in e.layer.flatMap { $0.weights.isEmpty ? nil : (e.path, $0.weights) } }
    }

    static func assertSameWeights(_ a: KerasModel, _ b: KerasModel, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let wa = weightsByLayer(a), wb = weightsByLayer(b)
        XCTAssertEqual(wa.map(\.0), wb.map(\.0), "\(label): layers with weights", file: file, line: line)
        for ((pa, va), (_, vb)) in zip(wa, wb) {
            XCTAssertEqual(va.count, vb.count, "\(label): \(pa) variable count", file: file, line: line)
            for (x, y) in zip(va, vb) {
                XCTAssertEqual(x.value.shape, y.value.shape, "\(label): \(pa)/\(x.name) shape", file: file, line: line)
                let same = x.value.data.count == y.value.data.count
                    && zip(x.value.data, y.value.data).allSatisfy { $0.bitPattern == $1.bitPattern }
                XCTAssertTrue(same, "\(label): \(pa)/\(x.name) values differ", file: file, line: line)
            }
        }
    }

    static func structure(_ m: KerasModel) -> [String] {
        func walk(_ es: [ModelEntry]) -> [String] {
            es.flatMap { e in ["\(e.path):\(e.className)"] + walk(e.children ?? []) }
        }
        return [m.className, m.name] + walk(m.layers) + m.graph.nodes.map { "\($0.name) \($0.outputShape)" }
    }

    func testRoundTripEveryFormatIsBitIdentical() throws {
        let dir = try tempDir()
        for model in Self.models {
            for source in Self.sources {
                let src = Self.fixture("\(model).\(source)")
                let original = try KerasFile.open(src)
                let writer = try KerasWriter(file: original)
                for format in KerasExportFormat.allCases {
                    let label = "\(model).\(source) → \(format.rawValue)"
                    let out = dir.appendingPathComponent("\(model).\(source).\(format.rawValue).\(Self.ext(format))").path
                    let summary = try writer.write(format, to: out)
                    XCTAssertEqual(summary.parameterCount, original.model!.parameterCount, label)
                    let back = try KerasFile.open(out)
                    XCTAssertEqual(back.generation, summary.generation, label)
                    XCTAssertEqual(back.isFullModel, format.isFullModel, label)
                    XCTAssertEqual(back.storedWeights.parameterCount, original.model!.parameterCount, label)
                    if format.isFullModel {
                        let m = try XCTUnwrap(back.model, label)
                        XCTAssertEqual(Self.structure(m), Self.structure(original.model!), label)
                        XCTAssertEqual(back.kerasVersion, summary.kerasVersion, label)
                        if format != .keras { XCTAssertEqual(back.backend, "tensorflow", label) }
                        Self.assertSameWeights(original.model!, m, label)
                    } else {
                        // Weights only: attach to a fresh copy of the architecture.
                        let fresh = try KerasFile.open(src, loadValues: false).model!
                        let att = try KerasFile.attach(weightsFile: out, to: fresh)
                        XCTAssertEqual(att.missing, [], label)
                        XCTAssertEqual(att.unusedStored, [], label)
                        Self.assertSameWeights(original.model!, fresh, label)
                    }
                }
            }
        }
    }

    /// Default format keeps the generation and layout of the input.
    func testSameFormatKeepsGeneration() throws {
        let dir = try tempDir()
        let cases: [(String, KerasGeneration)] = [("tiny.keras3.h5", .keras3H5), ("tiny.tfkeras.h5", .tfkeras),
                                                   ("tiny.keras3.keras", .keras3Keras), ("tiny.keras224.h5", .keras2),
                                                   ("nested.keras3.keras", .keras3Keras)]
        for (name, generation) in cases {
            let out = dir.appendingPathComponent("same-" + name).path
            let r = try Export.run(path: Self.fixture(name), arch: nil, format: .same, out: out)
            XCTAssertEqual(r.written.generation, generation, name)
            let back = try KerasFile.open(out)
            XCTAssertEqual(back.generation, generation, name)
            XCTAssertEqual(back.kerasVersion, try KerasFile.open(Self.fixture(name)).kerasVersion, name)
            Self.assertSameWeights(try KerasFile.open(Self.fixture(name)).model!, back.model!, name)
        }
        // Keras 2 sources keep fixed-length ASCII strings, as Keras 2 wrote them.
        let out = dir.appendingPathComponent("k2-weights.h5").path
        _ = try Export.run(path: Self.fixture("tiny.keras224.h5"), arch: nil, format: .format(.weightsH5), out: out)
        let f = try H5File.open(out)
        defer { f.close() }
        XCTAssertEqual(try f.root.attribute("keras_version"), .string("2.2.4"))
        XCTAssertEqual(try KerasFile.open(out).generation, .keras2)
        // Weights-only sources need an architecture; Keras 1 files are refused.
        XCTAssertThrowsError(try Export.run(path: Self.fixture("tiny.keras3.weights.h5"), arch: nil, format: .same,
                                            out: dir.appendingPathComponent("w.h5").path)) { e in
            XCTAssertEqual((e as? CommandError)?.kind, .weightsOnly, "\(e)")
        }
        XCTAssertThrowsError(try Export.run(path: Self.fixture("tiny.keras1-theano.h5"), arch: nil, format: .format(.keras3H5),
                                            out: dir.appendingPathComponent("k1.h5").path)) { e in
            XCTAssertEqual((e as? KerasIOError)?.kind, .unsupported, "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("k1.h5").path))
    }

    /// Written attributes use the encodings each Keras generation writes (expected.json `attribute_types`).
    func testLegacyLayoutMatchesKeras() throws {
        let dir = try tempDir()
        let original = try KerasFile.open(Self.fixture("tiny.keras3.h5"))
        let writer = try KerasWriter(file: original)
        let k3 = dir.appendingPathComponent("k3.h5").path
        try writer.write(.keras3H5, to: k3)
        let f = try H5File.open(k3)
        defer { f.close() }
        let root = try f.root
        XCTAssertEqual(try root.attribute("keras_version"), .string("3.15.1"))
        XCTAssertEqual(try root.attribute("backend"), .string("tensorflow"))
        let mw = try root.group("model_weights")
        XCTAssertEqual(try mw.attribute("layer_names"), .strings(["conv1", "bn1", "pool1", "conv2", "flatten", "dropout", "fc"]))
        XCTAssertEqual(try mw.attribute("keras_version"), .string("3.15.1"))
        XCTAssertEqual(try mw.group("conv1").attribute("weight_names"), .strings(["tiny/conv1/kernel", "tiny/conv1/bias"]))
        XCTAssertEqual(try mw.group("pool1").attribute("weight_names"), .doubles([]))
        XCTAssertEqual(try mw.dataset("conv1/tiny/conv1/kernel").shape, [3, 3, 3, 4])
        XCTAssertTrue(try mw.hasChild("top_level_model_weights"))

        let tf = dir.appendingPathComponent("tf.h5").path
        try writer.write(.tfkerasH5, to: tf)
        let g = try H5File.open(tf)
        defer { g.close() }
        XCTAssertEqual(try g.root.group("model_weights/bn1").attribute("weight_names"),
                       .strings(["bn1/gamma:0", "bn1/beta:0", "bn1/moving_mean:0", "bn1/moving_variance:0"]))
        guard case .string(let config) = try g.root.attribute("model_config") else {
            return XCTFail("model_config is not a string")
        }
        XCTAssertTrue(config.contains("\"batch_input_shape\""))
        XCTAssertFalse(config.contains("\"batch_shape\""))
        XCTAssertFalse(config.contains("DTypePolicy"))

        // Nested models: Keras 3 `.weights.h5` keys and `name` attributes.
        let nested = try KerasWriter(file: try KerasFile.open(Self.fixture("nested.keras3.h5")))
        let w = dir.appendingPathComponent("n.weights.h5").path
        try nested.write(.keras3Weights, to: w)
        let h = try H5File.open(w)
        defer { h.close() }
        XCTAssertEqual(try h.root.group("layers/functional/vars").attribute("name"), .string("backbone"))
        XCTAssertEqual(try h.root.group("layers/functional/layers/separable_conv2d/vars").attribute("name"), .string("bb_sep"))
        XCTAssertEqual(try h.root.dataset("layers/functional/layers/separable_conv2d/vars/1").shape, [1, 1, 8, 16])
        XCTAssertEqual(try h.root.group("layers/dense/vars").attribute("name"), .string("head"))
        XCTAssertEqual(try h.root.group("vars").attribute("name"), .string("nested"))
    }

    // MARK: Zoo

    /// Fills every weight of a graph with reproducible values.
    static func randomize(_ graph: Graph, seed: UInt64) {
        var state = seed
        for layer in graph.layers {
            var ws = layer.weights
            for i in ws.indices {
                var data = [Float](repeating: 0, count: ws[i].value.count)
                data.withUnsafeMutableBufferPointer { p in
                    for k in 0..<p.count {
                        state = state &* 6364136223846793005 &+ 1442695040888963407
                        p[k] = Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 20000
                    }
                }
                if ws[i].name == "moving_variance" { data = data.map { abs($0) + 0.5 } }
                ws[i].value = Tensor(shape: ws[i].value.shape, data: data)
            }
            layer.weights = ws
        }
    }

    /// A weights file for a zoo architecture, with random weights.
    static func zooWeights(_ arch: String, at path: String, seed: UInt64 = 7) throws -> KerasModel {
        let (graph, config) = try Zoo.model(named: arch)
        randomize(graph, seed: seed)
        let model = KerasModel.wrapping(graph, config: config)
        try KerasWriter(model: model, config: config).write(.keras3Weights, to: path)
        return model
    }

    func testZooModelsExportAsFullModels() throws {
        let dir = try tempDir()
        let weights = dir.appendingPathComponent("conv.weights.h5").path
        let model = try Self.zooWeights("conv", at: weights)
        for format in KerasExportFormat.allCases {
            let out = dir.appendingPathComponent("conv.\(format.rawValue).\(Self.ext(format))").path
            let r = try Export.run(path: weights, arch: "conv", format: .format(format), out: out)
            XCTAssertEqual(r.written.parameterCount, 3_410_184)
            if format.isFullModel {
                let back = try KerasFile.open(out)
                let m = try XCTUnwrap(back.model)
                XCTAssertEqual(m.parameterCount, 3_410_184)
                Self.assertSameWeights(model, m, format.rawValue)
            } else {
                let fresh = KerasModel.wrapping(try Zoo.graph(named: "conv"))
                try KerasFile.attach(weightsFile: out, to: fresh)
                Self.assertSameWeights(model, fresh, format.rawValue)
            }
        }
    }

    // MARK: Keras loads the exports

    /// Runs ConvScope's forward pass and writes the outputs as .npy for the Python check.
    static func writeOutputs(_ model: KerasModel, inputs: [String], prefix: String) throws -> [String] {
        let xs = try inputs.map { try NPY.read($0) }
        var ctx = ForwardContext()
        let pass = try model.graph.forward(xs, context: &ctx)
        return try model.graph.outputNodes.enumerated().map { k, id in
            let path = "\(prefix).convscope-out\(k).npy"
            try NPY.write(pass.values[id]!, to: path)
            return path
        }
    }

    func testKerasLoadsExports() throws {
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            XCTFail("CONVSCOPE_PYTHON is not set: this test loads the exported files in Keras 3 and tf-keras; run scripts/test.sh (it sets CONVSCOPE_PYTHON to the pinned venv)")
            return
        }
        let dir = try tempDir()
        var cases: [[String: Any]] = []
        let inputs = ["tiny": ["tiny.in0.npy"], "multi": ["multi.in0.npy", "multi.in1.npy"], "nested": ["nested.in0.npy"]]
        for model in Self.models {
            for source in ["keras3.h5", "tfkeras.h5"] {
                let original = try KerasFile.open(Self.fixture("\(model).\(source)"))
                let ins = inputs[model]!.map(Self.fixture)
                let outs = try Self.writeOutputs(original.model!, inputs: ins, prefix: dir.appendingPathComponent("\(model).\(source)").path)
                let writer = try KerasWriter(file: original)
                for format in KerasExportFormat.allCases {
                    let out = dir.appendingPathComponent("\(model).\(source).\(format.rawValue).\(Self.ext(format))").path
                    try writer.write(format, to: out)
                    var c: [String: Any] = ["file": out, "inputs": ins, "outputs": outs,
                                            "kind": format == .tfjs ? "tfjs" : format.isFullModel ? "model" : "weights"]
                    switch format {
                    case .keras3H5, .keras: c["require"] = ["keras3"]
                    case .tfkerasH5: c["require"] = model == "nested" ? ["tf_keras"] : ["tf_keras", "keras3"]
                    case .weightsH5, .keras3Weights: c["require"] = ["keras3", "tf_keras"]
                    case .keras3ShardedWeights: c["require"] = ["keras3"]
                    case .tfjs: c["require"] = ["tf_keras"]
                    }
                    if !format.isFullModel {
                        c["architecture"] = ["keras3": Self.fixture("\(model).keras3.h5"), "tf_keras": Self.fixture("\(model).tfkeras.h5")]
                    }
                    cases.append(c)
                }
            }
        }
        // A zoo architecture (config made by ConvScope, not Keras) with random weights.
        let weights = dir.appendingPathComponent("vonc.weights.h5").path
        let vonc = try Self.zooWeights("vonc", at: weights, seed: 11)
        let x = Tensor(shape: [2, 32, 32, 3], data: (0..<(2 * 32 * 32 * 3)).map { Float(($0 * 37) % 101) / 101 })
        let xPath = dir.appendingPathComponent("vonc.in0.npy").path
        try NPY.write(x, to: xPath)
        let voncOuts = try Self.writeOutputs(vonc, inputs: [xPath], prefix: dir.appendingPathComponent("vonc").path)
        for (format, require) in [("keras3-h5", ["keras3"]), ("keras", ["keras3"]), ("tfkeras-h5", ["tf_keras", "keras3"])] {
            let out = dir.appendingPathComponent("vonc.\(format).\(format == "keras" ? "keras" : "h5")").path
            _ = try Export.run(path: weights, arch: "vonc", format: KerasFormatChoice(rawValue: format)!, out: out)
            cases.append(["file": out, "kind": "model", "inputs": [xPath], "outputs": voncOuts, "require": require])
        }
        try Self.kerasLoadCheck(cases, python: python, dir: dir)
    }

    /// Runs Tests/keras_load_check.py on `cases` (its manifest form) and asserts every required load matched.
    static func kerasLoadCheck(_ cases: [[String: Any]], python: String, dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let manifest = dir.appendingPathComponent("manifest.json")
        try JSONSerialization.data(withJSONObject: ["cases": cases], options: [.prettyPrinted]).write(to: manifest)
        let script = Self.root.appendingPathComponent("Tests/keras_load_check.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, manifest.path]
        var env = ProcessInfo.processInfo.environment
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print(output)
        XCTAssertEqual(p.terminationStatus, 0, "Keras could not load some exports:\n\(output)", file: file, line: line)
        XCTAssertTrue(output.contains("0 required checks failed"), output, file: file, line: line)
    }

    // MARK: Crash safety

    func testExportSurvivesSIGKILL() throws {
        let dir = try tempDir()
        // A large-ish source: the cached VGG16 fixture, else a zoo VGG16 with random weights.
        var source = Self.root.appendingPathComponent("Fixtures/cache/vgg16.keras3.h5").path
        var arch: [String] = []
        if !FileManager.default.fileExists(atPath: source) {
            source = dir.appendingPathComponent("vgg16.weights.h5").path
            _ = try Self.zooWeights("vgg16", at: source, seed: 3)
            arch = ["--arch", "vgg16"]
        }
        let outDir = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let target = outDir.appendingPathComponent("out.h5")
        let harness = try CrashSafetyHarness(folder: outDir)
        func arguments(format: String) -> [String] { ["export", source] + arch + ["--format", format, "--out", target.path] }
        // The "old" file at the target: a small complete model.
        var old = Data()
        func putOldFile() throws {
            try KerasWriter(file: try KerasFile.open(Self.fixture("tiny.keras3.h5"))).write(.keras3H5, to: target.path)
            old = try Data(contentsOf: target)
        }
        func checkTarget(_ label: String, finished: Bool) throws {
            let now = try Data(contentsOf: target)
            XCTAssertFalse(finished && now == old, "\(label): a finished export left the old file")
            if now == old { return }
            let f = try KerasFile.open(target.path, loadValues: false)
            XCTAssertEqual(f.model?.parameterCount, 138_357_544, "\(label): target is neither the old file nor a complete export")
        }

        try harness.killAtFractions([0.1, 0.35, 0.6, 0.85, 0.97],
                                    arguments: { kill in arguments(format: (kill ?? 0) % 2 == 0 ? "keras3-h5" : "keras") },
                                    prepare: { _ in try putOldFile() }, check: checkTarget)
        // And the export still works after the kills, leaving nothing behind.
        let again = try harness.run(arguments(format: "keras"))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(harness.temporaryFiles(), [])
        try checkTarget("final run", finished: true)
    }
}
