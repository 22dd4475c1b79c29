import Foundation
import Graph
import Tensor
import XCTest

/// Finite-difference check of a layer's `backward` (rule `.gradient`).
///
/// Objective J = Σ output ⊙ R for a fixed random R, summed in Double from the float32 forward.
/// Every input element and every weight element x is perturbed by ±h (h = 4·10⁻³ · max(1, |x|),
/// the actual float32 step is used as denominator) and (J(x+h) − J(x−h)) / 2h is compared with
/// the analytic value.
///
/// Tolerance: |analytic − numeric| ≤ 2·10⁻³ · max(1, |numeric|). Justification: the float32
/// forward rounds each affected output by ≲ 6·10⁻⁸ · |y|; with ≲ 100 affected outputs of size
/// ≲ 3 and |R| ≲ 3 the objective's noise is ≲ 2·10⁻⁶, i.e. ≲ 3·10⁻⁴ after dividing by 2h;
/// the central difference's truncation error h²/6 · |J'''| is ≲ 3·10⁻⁵ for the smooth
/// functions here. Both stay well inside 2·10⁻³.
///
/// Kinks (ReLU at 0, max ties, clipping bounds) are avoided by construction: inputs are
/// distinct values |x| ∈ [0.1, 2.5] on a grid whose spacing exceeds 2h, so a perturbation never
/// reorders them or crosses 0. Kinks of derived quantities (a convolution's pre-activation
/// crossing 0) cannot be placed by construction. A kink inside [x − h, x + h] shows as one-sided
/// slopes that disagree while the analytic value matches one of them (it is the derivative on
/// x's side): such an element is skipped — at most `kinkShare` (3%) may be. A wrong gradient matches neither
/// side, and for smooth functions both sides lie within h·|J''|/2 of the analytic value, so the
/// element is checked normally.
public enum GradientCheck {
    public static let tolerance = 2e-3
    public static let relativeStep: Float = 4e-3

    public struct Result {
        public var maxInputError = 0.0
        public var maxWeightError = 0.0
        public var checked = 0
        public var skipped = 0
    }

    /// Distinct values with |x| in [0.1, 2.5], random signs, shuffled; split into tensors of `shapes`.
    public static func separatedInputs(_ shapes: [[Int]], random: inout SeededRandom) -> [Tensor] {
        let total = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        var pool = (0..<total).map { i -> Float in
            let m = 0.1 + 2.4 * (Float(i) + 0.5) / Float(total)
            return random.uniform() < 0.5 ? -m : m
        }
        pool.shuffle(using: &random)
        var out: [Tensor] = []
        var at = 0
        for s in shapes {
            let n = s.reduce(1, *)
            out.append(Tensor(shape: s, data: Array(pool[at..<at + n])))
            at += n
        }
        return out
    }

    /// Random weights: N(0, 0.5²), and |N| + 0.5 for variances (which must be positive).
    public static func randomizeWeights(_ layer: any Layer, random: inout SeededRandom) {
        for k in layer.weights.indices {
            let positive = layer.weights[k].name.contains("variance")
            for i in 0..<layer.weights[k].value.count {
                let v = 0.5 * random.normal()
                layer.weights[k].value.data[i] = positive ? abs(v) + 0.5 : v
            }
        }
    }

    /// Builds `layer` on per-sample `inputShapes`, fills it with random weights and checks its gradients.
    /// Inputs listed in `indexInputs` hold indices (an Embedding's): they come from `given`, are not
    /// perturbed, and their reported gradient must be zero.
    @discardableResult
    public static func run(_ layer: any Layer, inputShapes: [[Int]], batch: Int = 2, mode: ExecutionMode = .inference,
                    inputs given: [Tensor]? = nil, indexInputs: Set<Int> = [], seed: UInt64 = 1, kinkShare: Double = 0.03,
                    file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        var random = SeededRandom(seed: seed)
        _ = try layer.build(inputShapes: inputShapes)
        randomizeWeights(layer, random: &random)
        var inputs = given ?? separatedInputs(inputShapes.map { [batch] + $0 }, random: &random)

        func forward(_ xs: [Tensor], tape: Tape?) throws -> Tensor {
            var ctx = ForwardContext(mode: mode, seed: 99)                  // same masks / noise every time
            return try layer.forward(xs, context: &ctx, tape: tape)
        }
        let tape = Tape()
        tape.inputs = inputs
        let y = try forward(inputs, tape: tape)
        tape.output = y
        var r = Tensor(zeros: y.shape)
        for i in 0..<r.count { r.data[i] = random.normal() }
        let grads = try layer.backward(r, tape: tape, rule: .gradient, weightGradients: true)

        XCTAssertEqual(grads.inputs.count, inputs.count, "\(layer.name): input gradient count", file: file, line: line)
        for (g, x) in zip(grads.inputs, inputs) {
            XCTAssertEqual(g.shape, x.shape, "\(layer.name): input gradient shape", file: file, line: line)
        }
        XCTAssertEqual(grads.weights.count, layer.weights.count, "\(layer.name): weight gradient count", file: file, line: line)
        for (g, w) in zip(grads.weights, layer.weights) {
            XCTAssertEqual(g.shape, w.value.shape, "\(layer.name): gradient shape of \(w.name)", file: file, line: line)
        }

        func objective() throws -> Double {
            let out = try forward(inputs, tape: nil)
            var s = 0.0
            for i in 0..<out.count { s += Double(out.data[i]) * Double(r.data[i]) }
            return s
        }

        var result = Result()
        /// Compares d J / d v with `analytic`, where `set` writes v.
        func compare(_ value: Float, _ analytic: Float, _ set: (Float) -> Void, _ what: () -> String) throws -> Double {
            let h = relativeStep * max(1, abs(value))
            let plus = value + h, minus = value - h
            set(plus); let jp = try objective()
            set(minus); let jm = try objective()
            set(value); let j0 = try objective()
            let numeric = (jp - jm) / (Double(plus) - Double(minus))
            let err = abs(Double(analytic) - numeric) / max(1, abs(numeric))
            result.checked += 1
            if err > tolerance {
                let right = (jp - j0) / (Double(plus) - Double(value)), left = (j0 - jm) / (Double(value) - Double(minus))
                let a = Double(analytic)
                if min(abs(a - right), abs(a - left)) <= 0.25 * abs(right - left) { result.skipped += 1; return 0 }
                XCTFail("\(layer.name): \(what()): analytic \(analytic), numeric \(numeric)", file: file, line: line)
            }
            return err
        }

        for k in indexInputs.sorted() {
            XCTAssertTrue(grads.inputs[k].data.allSatisfy { $0 == 0 }, "\(layer.name): index input \(k) has a gradient", file: file, line: line)
        }
        for k in inputs.indices where !indexInputs.contains(k) {
            for i in 0..<inputs[k].count {
                let e = try compare(inputs[k].data[i], grads.inputs[k].data[i], { inputs[k].data[i] = $0 }) { "input \(k)[\(i)]" }
                result.maxInputError = max(result.maxInputError, e)
            }
        }
        for k in layer.weights.indices where k < grads.weights.count {
            for i in 0..<layer.weights[k].value.count {
                let e = try compare(layer.weights[k].value.data[i], grads.weights[k].data[i],
                                    { layer.weights[k].value.data[i] = $0 }) { "weight \(layer.weights[k].name)[\(i)]" }
                result.maxWeightError = max(result.maxWeightError, e)
            }
        }
        XCTAssertLessThanOrEqual(result.skipped, max(2, Int(Double(result.checked) * kinkShare)),
                                 "\(layer.name): too many elements at kinks", file: file, line: line)
        return result
    }
}
