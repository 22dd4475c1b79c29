import Foundation
import Graph
import KerasIO
import Zoo

/// What `convscope validate` reports (Schemas/validate.schema.json). `ok` false → exit 1.
public struct ValidateReport: Codable {
    public var file: String
    public var ok: Bool
    public var check: String
    public var expected: String
    public var actual: String
    /// Each specific difference found (layer, weight, shape or count), in file order.
    public var differences: [String]
}

public enum Validate {
    public enum Expectation {
        case params(Int)
        case arch(String)
        case like(String)
    }

    public static func run(path: String, expect: Expectation) throws -> ValidateReport {
        try KerasFile.preflight(path)
        let file = try KerasFile.open(path, loadValues: false)
        let total = file.model?.parameterCount ?? file.storedWeights.parameterCount
        switch expect {
        case .params(let n):
            let ok = n == total
            return ValidateReport(file: path, ok: ok, check: "parameter count", expected: formatCount(n), actual: formatCount(total),
                                  differences: ok ? [] : ["total parameters \(formatCount(total)) differ from the expected \(formatCount(n)) by \(formatCount(total - n))"])
        case .arch(let arch):
            let graph = try Zoo.graph(named: arch)
            let want = shapesByLayer(graph.layers.map { ($0.name, $0.weights.map(\.value.shape)) })
            let have = shapesOf(file)
            let diffs = compare(expected: want, actual: have, expectedLabel: "architecture \(arch)")
            return ValidateReport(file: path, ok: diffs.isEmpty, check: "architecture", expected: "\(arch) (\(formatCount(graph.parameterCount)) parameters)",
                                  actual: "\(formatCount(total)) parameters", differences: diffs)
        case .like(let other):
            try KerasFile.preflight(other)
            // Any form on either side: a model JSON / config.json is an architecture without weights.
            let expected: LayerShapes
            let otherTotal: Int
            if try KerasFile.sniffsAsJSON(other), let arch = try? ArchitectureFile(path: other) {
                expected = shapesOf(arch.model)
                otherTotal = arch.model.parameterCount
            } else {
                let otherFile = try KerasFile.open(other, loadValues: false)
                expected = shapesOf(otherFile)
                otherTotal = otherFile.model?.parameterCount ?? otherFile.storedWeights.parameterCount
            }
            let diffs = compare(expected: expected, actual: shapesOf(file), expectedLabel: other)
            return ValidateReport(file: path, ok: diffs.isEmpty, check: "same layers and shapes as \(other)",
                                  expected: "\(formatCount(otherTotal)) parameters", actual: "\(formatCount(total)) parameters", differences: diffs)
        }
    }

    typealias LayerShapes = [(name: String, shapes: [[Int]])]

    static func shapesByLayer(_ l: [(String, [[Int]])]) -> LayerShapes {
        l.filter { !$0.1.isEmpty }.map { (name: $0.0, shapes: $0.1) }
    }

    /// Weight shapes per weighted layer: from the model when the file has one, else as stored.
    static func shapesOf(_ f: KerasModelFile) -> LayerShapes {
        if let m = f.model { return shapesOf(m) }
        var order: [String] = []
        var by: [String: [[Int]]] = [:]
        for w in f.storedWeights.weights {
            if by[w.layer] == nil { order.append(w.layer) }
            by[w.layer, default: []].append(w.shape)
        }
        return order.map { (name: $0, shapes: by[$0]!) }
    }

    static func shapesOf(_ m: KerasModel) -> LayerShapes {
        shapesByLayer(m.flattenedLayers.compactMap { e in e.layer.map { (e.path, $0.weights.map(\.value.shape)) } })
    }

    /// Layer-by-layer comparison; by name when names match, else by position (Keras 3 weights files name groups by class).
    static func compare(expected: LayerShapes, actual: LayerShapes, expectedLabel: String) -> [String] {
        var diffs: [String] = []
        let byName = Dictionary(actual.map { ($0.name, $0.shapes) }, uniquingKeysWith: { a, _ in a })
        let namesMatch = expected.allSatisfy { byName[$0.name] != nil }
        func fmt(_ s: [[Int]]) -> String { s.map { "(" + $0.map(String.init).joined(separator: ", ") + ")" }.joined(separator: " ") }
        if namesMatch {
            for e in expected where byName[e.name]! != e.shapes {
                diffs.append("layer '\(e.name)': weights \(fmt(byName[e.name]!)) but \(expectedLabel) has \(fmt(e.shapes))")
            }
            let extra = actual.map(\.name).filter { n in !expected.contains { $0.name == n } }
            for n in extra { diffs.append("layer '\(n)' has weights but \(expectedLabel) has no such layer") }
        } else {
            for k in 0..<max(expected.count, actual.count) {
                if k >= actual.count { diffs.append("missing weighted layer #\(k + 1) ('\(expected[k].name)' in \(expectedLabel))"); continue }
                if k >= expected.count { diffs.append("extra weighted layer #\(k + 1) '\(actual[k].name)' not in \(expectedLabel)"); continue }
                if expected[k].shapes != actual[k].shapes {
                    diffs.append("weighted layer #\(k + 1) '\(actual[k].name)': weights \(fmt(actual[k].shapes)) but \(expectedLabel) has \(fmt(expected[k].shapes)) ('\(expected[k].name)')")
                }
            }
        }
        return diffs
    }

    public static func render(_ r: ValidateReport) -> String {
        var s = "\(r.ok ? "OK" : "MISMATCH"): \(r.file): \(r.check): expected \(r.expected), found \(r.actual)"
        for d in r.differences.prefix(50) { s += "\n  - \(d)" }
        if r.differences.count > 50 { s += "\n  … \(r.differences.count - 50) more" }
        return s
    }
}
