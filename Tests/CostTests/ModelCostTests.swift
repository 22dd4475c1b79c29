import Cost
import Foundation
import Graph
import KerasIO
import TestSupport
import XCTest
import Zoo

/// MACs, other ops, activation bytes, receptive fields and the peak of live activations against the
/// numbers Fixtures/py/cost.py computes from the Keras models by its own formulas (Fixtures/cost/expected.json).
final class ModelCostTests: XCTestCase {
    static let expected = Result { try Fixture.json("cost/expected.json") }

    func graph(_ source: String) throws -> Graph {
        if source.hasPrefix("zoo:") { return try Zoo.graph(named: String(source.dropFirst(4))) }
        guard let model = try KerasFile.open(Fixture.path(source), loadValues: false).model else {
            throw GraphError.badInput("\(source) has no architecture")
        }
        return model.graph
    }

    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let m = try XCTUnwrap(try Self.expected.get()["models"]?[name], name)
        let g = try graph(try XCTUnwrap(m["source"]?.stringValue))
        let cost = ModelCost.analyze(graph: g)
        XCTAssertEqual(cost.unknown, [], name, file: file, line: line)
        let layers = try XCTUnwrap(m["layers"]?.objectValue)
        for layerName in layers.keys {
            let want = layers[layerName]!
            // A layer's nodes: its application and its further outputs (`<layer>#k`).
            let nodes = cost.layers.filter { $0.name == layerName || $0.name.hasPrefix(layerName + "#") }
            guard !nodes.isEmpty else {
                // Keras names a Sequential's input itself (the graph's input node carries the config's name), and
                // the Zoo names the paper models' dropouts `dropout_1` … (they hold no weights to pair by name);
                // both are counted in the totals below.
                XCTAssertTrue(["InputLayer", "Dropout"].contains(want["class_name"]?.stringValue ?? ""), "\(name): no node for \(layerName)",
                              file: file, line: line)
                continue
            }
            XCTAssertEqual(nodes.reduce(0) { $0 + $1.macs! }, want["macs"]?.intValue, "\(name)/\(layerName) macs", file: file, line: line)
            XCTAssertEqual(nodes.reduce(0) { $0 + $1.otherOps! }, want["other_ops"]?.intValue, "\(name)/\(layerName) other ops", file: file, line: line)
            XCTAssertEqual(nodes.reduce(0) { $0 + $1.activationBytes! }, want["activation_bytes"]?.intValue,
                           "\(name)/\(layerName) activation bytes", file: file, line: line)
            let field = nodes.first { $0.name == layerName }?.receptiveField
            let wantField = want["receptive_field"].flatMap { $0.isNull ? nil : $0 }
            XCTAssertEqual(field?.size, wantField?["size"]?.arrayValue?.compactMap(\.intValue), "\(name)/\(layerName) field size", file: file, line: line)
            XCTAssertEqual(field?.stride, wantField?["stride"]?.arrayValue?.compactMap(\.intValue), "\(name)/\(layerName) field stride", file: file, line: line)
        }
        for batch in [1, 8] {
            let c = batch == 1 ? cost : ModelCost.analyze(graph: g, batch: batch)
            let t = try XCTUnwrap(m["totals"]?["\(batch)"])
            XCTAssertEqual(c.macs, t["macs"]?.intValue, "\(name) batch \(batch) macs", file: file, line: line)
            XCTAssertEqual(c.otherOps, t["other_ops"]?.intValue, "\(name) batch \(batch) other ops", file: file, line: line)
            XCTAssertEqual(c.activationBytes, t["activation_bytes"]?.intValue, "\(name) batch \(batch) activation bytes", file: file, line: line)
            XCTAssertEqual(c.peakActivationBytes, t["peak_activation_bytes"]?.intValue, "\(name) batch \(batch) peak", file: file, line: line)
        }
    }

    func testConv() throws { try check("conv") }
    func testVonc() throws { try check("vonc") }
    func testVGG16() throws { try check("vgg16") }
    func testResNet50() throws { try check("resnet50") }
    func testConv1D() throws {
        try check("conv1d_same_s2")
        try check("conv1d_causal_dil2")
    }
    func testRecurrent() throws {
        try check("seq2seq")
        try check("gru_state_dense")
    }

    /// Keras' conventional totals: VGG16 ≈ 15.5 G MACs, ResNet50 ≈ 3.9 G.
    func testConventionalTotals() throws {
        XCTAssertEqual(Double(ModelCost.analyze(graph: try Zoo.graph(named: "vgg16")).macs) / 1e9, 15.5, accuracy: 0.05)
        XCTAssertEqual(Double(ModelCost.analyze(graph: try Zoo.graph(named: "resnet50")).macs) / 1e9, 3.9, accuracy: 0.05)
    }

    /// Every kind the registry runs has a cost rule (a kind added without one fails here by name).
    func testEveryRegisteredKindHasACostRule() {
        for kind in LayerRegistry.kinds {
            XCTAssertTrue(kind is any CostRule.Type, "\(kind.kerasClassNames.first ?? "?") has no CostRule conformance in Sources/Cost")
        }
    }

    /// A unit's box: its field placed at the unit, clipped to the input (padding left out).
    func testBoxOfAUnit() {
        let f = ReceptiveField(size: [5, 5], stride: [2, 2], start: [-2, -2])
        XCTAssertEqual(f.box(ofUnit: [0, 0], clippedTo: [8, 8])?.origin, [0, 0])
        XCTAssertEqual(f.box(ofUnit: [0, 0], clippedTo: [8, 8])?.size, [3, 3])
        XCTAssertEqual(f.box(ofUnit: [2, 1], clippedTo: [8, 8])?.origin, [2, 0])
        XCTAssertEqual(f.box(ofUnit: [3, 3], clippedTo: [8, 8])?.size, [4, 4])
        XCTAssertNil(f.box(ofUnit: [6, 0], clippedTo: [8, 8]))
    }

    /// A hostile config's shapes (a 2³⁰ × 2³⁰ image upsampled 2²⁰ times, a stride of 2³⁰) saturate the
    /// counts instead of trapping.
    func testHugeShapesSaturateInsteadOfTrapping() throws {
        let g = Graph(name: "huge")
        let big = JSON.number(Double(1 << 30)), wide = JSON.number(Double(1 << 20))
        let x = try g.add(try LayerRegistry.make(className: "InputLayer", name: "x", config: ["batch_shape": [nil, big, big, 3]]), inputs: [])
        g.inputNodes = [x]
        let up = try g.add(try LayerRegistry.make(className: "UpSampling2D", name: "up", config: ["size": [wide, wide]]), inputs: [x])
        let pool = try g.add(try LayerRegistry.make(className: "MaxPooling2D", name: "pool",
                                                     config: ["pool_size": [2, 2], "strides": [big, big], "padding": "same"]), inputs: [x])
        g.outputNodes = [up, pool]
        let c = ModelCost.analyze(graph: g, batch: 1 << 20)
        XCTAssertEqual(c.activationBytes, Int.max)
        XCTAssertEqual(c.peakActivationBytes, Int.max)
        XCTAssertEqual(c.layers[pool].receptiveField?.stride, [1 << 30, 1 << 30])
    }
}
