import Foundation
import Graph
import Tensor
import XCTest

/// Finite-difference check of a whole graph's backward pass (masks, several outputs, initial states):
/// J = Σₖ outputₖ ⊙ Rₖ over every graph output, summed in Double from the float32 forward; every weight
/// of every layer and the input elements `perturbs` accepts are moved by ±h and (J(x+h) − J(x−h)) / 2h
/// is compared with `Graph.backward`'s value. Step and tolerance are `GradientCheck`'s.
public enum GraphGradientCheck {
    public struct Result {
        public var checked = 0
        public var worst = 0.0
    }

    @discardableResult
    public static func run(_ graph: Graph, inputs given: [Tensor], seed: UInt64, what: String,
                           perturbs: (_ input: Int, _ index: Int, _ value: Tensor) -> Bool = { _, _, _ in false },
                           file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        var inputs = given
        var random = SeededRandom(seed: seed)
        var ctx = ForwardContext()
        let outs = graph.outputNodes
        let pass = try graph.forward(inputs, record: true, context: &ctx)
        var seeds: [Int: Tensor] = [:]
        for id in outs {
            var r = Tensor(zeros: try XCTUnwrap(pass.value(id), "\(what): output \(id)").shape)
            for i in 0..<r.count { r.data[i] = random.normal() }
            seeds[id] = r
        }
        let grads = try graph.backward(seeds: seeds, pass: pass, weightGradients: true)
        var result = Result()

        func objective() throws -> Double {
            var c = ForwardContext()
            let p = try graph.forward(inputs, context: &c)
            return outs.reduce(0.0) { acc, id in
                zip(p.values[id]!.data, seeds[id]!.data).reduce(acc) { $0 + Double($1.0) * Double($1.1) }
            }
        }
        func compare(_ value: Float, _ analytic: Float, _ set: (Float) -> Void, _ name: @autoclosure () -> String) throws {
            let h = GradientCheck.relativeStep * max(1, abs(value))
            set(value + h); let jp = try objective()
            set(value - h); let jm = try objective()
            set(value)
            let numeric = (jp - jm) / (Double(value + h) - Double(value - h))
            let err = abs(Double(analytic) - numeric) / max(1, abs(numeric))
            result.worst = max(result.worst, err)
            result.checked += 1
            XCTAssertLessThanOrEqual(err, GradientCheck.tolerance, "\(what): \(name()): analytic \(analytic), numeric \(numeric)",
                                     file: file, line: line)
        }
        for layer in graph.layers where !layer.weights.isEmpty {
            let g = try XCTUnwrap(grads.weightGradients[ObjectIdentifier(layer)], "\(what): no gradient for \(layer.name)", file: file, line: line)
            for k in layer.weights.indices {
                for i in 0..<layer.weights[k].value.count {
                    try compare(layer.weights[k].value.data[i], g[k].data[i], { layer.weights[k].value.data[i] = $0 },
                                "\(layer.name).\(layer.weights[k].name)[\(i)]")
                }
            }
        }
        for k in inputs.indices {
            for i in 0..<inputs[k].count where perturbs(k, i, given[k]) {
                try compare(inputs[k].data[i], grads.inputGradients[k].data[i], { inputs[k].data[i] = $0 }, "input \(k)[\(i)]")
            }
        }
        return result
    }
}
