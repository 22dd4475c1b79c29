import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// TensorFlow.js layers models against what the real converter wrote and its loader predicts
/// (Fixtures/tfjs, `Fixtures/generate.py --only tfjs`), the refusals, and the TF.js writer.
final class TFJSTests: XCTestCase {
    static let dir = Fixture.root.appendingPathComponent("tfjs")

    static var expected: [String: [String: Any]] {
        let data = try! Data(contentsOf: dir.appendingPathComponent("expected.json"))
        let e = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return e["cases"] as! [String: [String: Any]]
    }

    static func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    static func outputs(_ model: KerasModel, _ inputs: [String]) throws -> [Tensor] {
        let xs = try inputs.map { try NPY.read(path($0)) }
        var ctx = ForwardContext()
        let pass = try model.graph.forward(xs, context: &ctx)
        return model.graph.outputNodes.map { pass.values[$0]! }
    }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-tfjs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    // MARK: Reading

    func testEveryFixturePredictsAsTheTFJSLoader() throws {
        let cases = Self.expected
        XCTAssertEqual(cases.count, 13)
        for (name, e) in cases.sorted(by: { $0.key < $1.key }) {
            let f = try KerasFile.open(Self.path(name))
            XCTAssertEqual(f.generation, .tfjsLayers, name)
            XCTAssertTrue(f.isFullModel, name)
            let m = try XCTUnwrap(f.model, name)
            XCTAssertEqual(m.parameterCount, e["parameters"] as? Int, name)
            XCTAssertEqual(f.attachment?.unusedStored, [], name)
            let facts = try XCTUnwrap(f.tfjs, name)
            XCTAssertEqual(facts.weights.count, e["weights"] as? Int, name)
            XCTAssertEqual(facts.weightFiles.count, e["shards"] as? Int, name)
            XCTAssertEqual(facts.storedBytes, e["storedBytes"] as? Int, name)
            XCTAssertEqual(facts.float32Bytes, e["float32Bytes"] as? Int, name)
            let got = try Self.outputs(m, e["inputs"] as! [String])
            let want = try (e["outputs"] as! [String]).map { try NPY.read(Self.path($0)) }
            XCTAssertEqual(got.count, want.count, name)
            for (g, w) in zip(got, want) {
                XCTAssertEqual(g.shape, w.shape, name)
                XCTAssertLessThanOrEqual(Fixture.relativeError(g, w), 1e-4, name)
            }
        }
    }

    func testFormsAndQuantizationFacts() throws {
        let old = try XCTUnwrap(KerasFile.open(Self.path("cnn_old/model.json")).tfjs)
        XCTAssertNil(old.format)
        XCTAssertTrue(old.form.contains("before 1.0"), old.form)
        let js = try KerasFile.open(Self.path("multi_jsform"))
        XCTAssertEqual(js.kerasVersion, "tfjs-layers 4.22.0")
        XCTAssertEqual(js.backend, "tensor_flow.js")
        XCTAssertTrue(js.tfjs!.form.contains("TensorFlow.js"), js.tfjs!.form)
        XCTAssertEqual(js.tfjs!.weightFiles, ["./multi_jsform.weights.bin"])
        let conv = try XCTUnwrap(KerasFile.open(Self.path("cnn")).tfjs)
        XCTAssertEqual(conv.convertedBy, "TensorFlow.js Converter v4.22.0")
        XCTAssertEqual(conv.generatedBy, "keras v2.21.0")
        XCTAssertEqual(conv.weightFiles.count, 13)
        let mixed = try XCTUnwrap(KerasFile.open(Self.path("nested_mixed")).tfjs)
        let q = Dictionary(uniqueKeysWithValues: mixed.weights.map { ($0.name, $0) })
        XCTAssertEqual(q["bb_conv/kernel"]?.quantization, "uint8")
        XCTAssertNotNil(q["bb_conv/kernel"]?.scale)
        XCTAssertEqual(q["bb_sep/pointwise_kernel"]?.quantization, "uint16")
        XCTAssertEqual(q["bb_bn/gamma"]?.quantization, "float16")
        XCTAssertNil(q["bb_bn/gamma"]?.scale)
        XCTAssertNil(q["head/kernel"]?.quantization)
        XCTAssertEqual(q["bb_conv/kernel"]?.bytes, q["bb_conv/kernel"]!.shape.reduce(1, *))
    }

    /// Our quantizer writes the converter's bytes: each weight of the float32 fixture, quantized here, equals
    /// the converter's uint8/uint16/float16 shard bytes, min and scale.
    func testQuantizerWritesTheConvertersBytes() throws {
        let float = try TFJSManifest(path: Self.path("cnn"))
        let floatData = try float.shardData()
        var compared = 0
        for kind in TFJSQuantization.allCases {
            let q = try TFJSManifest(path: Self.path("cnn_\(kind.rawValue)"))
            let qData = try q.shardData()
            for e in q.entries {
                let f = try XCTUnwrap(float.entries.first { $0.name == e.name }, e.name)
                XCTAssertEqual(e.quantization, kind, e.name)
                let (bytes, mn, scale) = kind.quantize(float.values(of: f, in: floatData))
                XCTAssertEqual(bytes, [UInt8](qData[e.offset..<(e.offset + e.bytes)]), "\(kind) \(e.name)")
                XCTAssertEqual(mn, e.min, "\(kind) \(e.name)")
                XCTAssertEqual(scale, e.scale, "\(kind) \(e.name)")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 30)
    }

    func testStatisticsOfQuantizedWeights() throws {
        let stats = try WeightStatistics.compute(path: Self.path("cnn_uint8"), weights: KerasFile.open(Self.path("cnn_uint8")).storedWeights)
        XCTAssertEqual(stats.count, 10)
        let model = try KerasFile.open(Self.path("cnn_uint8")).model!
        let kernel = model.entry(path: "conv1")!.layer!.weights[0].value
        let s = stats.first { $0.name == "conv1/kernel" }!
        XCTAssertEqual(s.min, Double(kernel.data.min()!), accuracy: 1e-7)
        XCTAssertEqual(s.max, Double(kernel.data.max()!), accuracy: 1e-7)
    }

    // MARK: Refusals

    /// A copy of a fixture folder with its model.json changed by `edit`.
    func broken(_ name: String, _ edit: (inout [String: Any], URL) throws -> Void) throws -> String {
        let d = try tempDir().appendingPathComponent("m")
        try FileManager.default.copyItem(at: Self.dir.appendingPathComponent(name), to: d)
        let j = d.appendingPathComponent("model.json")
        var mj = try JSONSerialization.jsonObject(with: Data(contentsOf: j)) as! [String: Any]
        try edit(&mj, d)
        try JSONSerialization.data(withJSONObject: mj).write(to: j)
        return d.path
    }

    static func firstGroup(_ mj: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var groups = mj["weightsManifest"] as! [[String: Any]]
        change(&groups[0])
        mj["weightsManifest"] = groups
    }

    func assertRefused(_ dir: String, _ words: [String], file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try KerasFile.open(dir)
            XCTFail("\(dir) was read", file: file, line: line)
        } catch let e as KerasIOError {
            let text = e.description
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
            XCTAssertTrue(text.hasPrefix(dir + "/model.json"), text, file: file, line: line)
            for w in words { XCTAssertTrue(text.contains(w), "'\(w)' not in: \(text)", file: file, line: line) }
            XCTAssertEqual(e.exitCode, 2, file: file, line: line)
        } catch {
            XCTFail("not a KerasIOError: \(error)", file: file, line: line)
        }
    }

    func testRefusals() throws {
        // The last shard cut short: the manifest promises more bytes than the shards hold.
        let short = try broken("cnn") { _, d in
            let last = d.appendingPathComponent("group1-shard13of13.bin")
            let data = try Data(contentsOf: last)
            try data.prefix(data.count - 4).write(to: last)
        }
        assertRefused(short, ["declares 13256 bytes", "hold 13252"])
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var p = g["paths"] as! [String]; p[0] = "../cnn/" + p[0]; g["paths"] = p } }, ["'../cnn/group1-shard1of13.bin'", "leaves the model's folder"])
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var p = g["paths"] as! [String]; p[0] = Self.path("cnn/group1-shard1of13.bin"); g["paths"] = p } }, ["leaves the model's folder"])
        let linked = try broken("cnn") { _, d in
            let s = d.appendingPathComponent("group1-shard2of13.bin")
            try FileManager.default.removeItem(at: s)
            try FileManager.default.createSymbolicLink(atPath: s.path, withDestinationPath: Self.path("cnn/group1-shard2of13.bin"))
        }
        assertRefused(linked, ["symbolic link"])
        let missing = try broken("cnn") { _, d in try FileManager.default.removeItem(at: d.appendingPathComponent("group1-shard5of13.bin")) }
        assertRefused(missing, ["missing weight file", "group1-shard5of13.bin"])
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var ws = g["weights"] as! [[String: Any]]; ws[1]["dtype"] = "float64"; g["weights"] = ws } }, ["unknown or unsupported dtype 'float64'"])
        assertRefused(try broken("cnn_uint8") { mj, _ in Self.firstGroup(&mj) { g in
            var ws = g["weights"] as! [[String: Any]]; var q = ws[0]["quantization"] as! [String: Any]; q["dtype"] = "int4"
            ws[0]["quantization"] = q; g["weights"] = ws } }, ["unknown quantization dtype"])
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var ws = g["weights"] as! [[String: Any]]; ws[2]["name"] = ws[0]["name"]; g["weights"] = ws } }, ["is named twice"])
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var ws = g["weights"] as! [[String: Any]]; ws[0]["shape"] = [-3, 4]; g["weights"] = ws } }, ["non-negative"])
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var ws = g["weights"] as! [[String: Any]]; ws[0]["shape"] = [1 << 40, 1 << 30]; g["weights"] = ws } }, ["impossible number of bytes"])
        assertRefused(try broken("cnn") { mj, _ in
            mj["format"] = "graph-model"; mj["modelTopology"] = ["node": [], "library": [:], "versions": [:]] }, ["graph model"])
        assertRefused(try broken("cnn") { mj, _ in mj["modelTopology"] = nil }, ["modelTopology", "missing"])
        // A weight renamed away from its layer: the layer has no weights.
        assertRefused(try broken("cnn") { mj, _ in Self.firstGroup(&mj) { g in
            var ws = g["weights"] as! [[String: Any]]
            for i in ws.indices where (ws[i]["name"] as! String).hasPrefix("fc/") { ws[i]["name"] = "other/" + (ws[i]["name"] as! String) }
            g["weights"] = ws } }, ["layer 'fc'", "no weights named 'fc/"])
    }

    // MARK: Writing

    func testExportRoundTripsAndQuantizes() throws {
        let dir = try tempDir()
        for source in ["formats/nested.keras3.keras", "formats/rnn.tfkeras.h5", "tfjs/multi_jsform/model.json"] {
            let original = try KerasFile.open(Fixture.path(source))
            var writer = try KerasWriter(file: original)
            for kind in [nil] + TFJSQuantization.allCases.map(Optional.some) {
                writer.tfjsOptions = TFJSExportOptions(quantize: kind, shardSize: 1000)
                let out = dir.appendingPathComponent("\(source.replacingOccurrences(of: "/", with: "_")).\(kind?.rawValue ?? "f32")").path
                let s = try writer.write(.tfjs, to: out)
                XCTAssertEqual(s.generation, .tfjsLayers)
                let back = try KerasFile.open(out)
                let facts = try XCTUnwrap(back.tfjs)
                XCTAssertEqual(facts.weightFiles.count, (facts.storedBytes + 999) / 1000, source)
                XCTAssertEqual(back.model!.parameterCount, original.model!.parameterCount, source)
                XCTAssertEqual(Set(facts.weights.map(\.quantization)), [kind?.rawValue], source)
                for (a, b) in zip(original.model!.flattenedLayers, back.model!.flattenedLayers) {
                    XCTAssertEqual(a.path, b.path, source)
                    for (va, vb) in zip(a.layer?.weights ?? [], b.layer?.weights ?? []) {
                        let range = Double((va.value.data.max() ?? 0) - (va.value.data.min() ?? 0))
                        let tol: Double
                        switch kind {
                        case nil: tol = 0
                        case .uint8?: tol = range / 255 / 2 * 1.0001 + 1e-7
                        case .uint16?: tol = range / 65_535 / 2 * 1.0001 + 1e-7
                        case .float16?: tol = Double(va.value.data.map(abs).max() ?? 0) / 2048
                        }
                        XCTAssertLessThanOrEqual(Fixture.maxAbsDiff(va.value, vb.value), tol, "\(source) \(kind?.rawValue ?? "f32") \(a.path)/\(va.name)")
                    }
                }
            }
        }
    }

    func testExportReplacesOnlyATFJSFolder() throws {
        let dir = try tempDir()
        let writer = try KerasWriter(file: KerasFile.open(Self.path("cnn")))
        let out = dir.appendingPathComponent("out").path
        try writer.write(.tfjs, to: out)
        try writer.write(.tfjs, to: out)   // replaces its own output
        let other = dir.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: other.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try writer.write(.tfjs, to: other.path)) { e in
            XCTAssertTrue("\(e)".contains("refusing to replace"), "\(e)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: other.path), ["notes.txt"])
        // No temporary folder is left beside the outputs.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["other", "out"])
    }

    func testQuantizerNudgesZeroAndBoundsTheError() {
        let values: [Float] = [-0.7, -0.1, 0, 0.05, 0.33, 1.2]
        for kind in [TFJSQuantization.uint8, .uint16] {
            let (bytes, mn, scale) = kind.quantize(values)
            let back = bytes.withUnsafeBytes { kind.dequantize($0, offset: 0, count: values.count, min: mn!, scale: scale!, roundToInteger: false) }
            XCTAssertEqual(back[2], 0, "\(kind): zero is exact")
            for (a, b) in zip(values, back) { XCTAssertLessThanOrEqual(abs(Double(a - b)), scale! / 2 + 1e-7, "\(kind)") }
        }
        let (c, cm, cs) = TFJSQuantization.uint8.quantize([0.25, 0.25])
        XCTAssertEqual(c, [0, 0])
        XCTAssertEqual(cm, 0.25)
        XCTAssertEqual(cs, 1)
        let (h, _, _) = TFJSQuantization.float16.quantize([1, -2, 65504, .infinity])
        XCTAssertEqual(h, [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x00, 0x7C])
    }
}
