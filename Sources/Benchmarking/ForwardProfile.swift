import Foundation
import Graph
import Tensor

/// Where an inference plan's forward pass spends its time (`bench forward --profile`): each step's
/// wall time, averaged over the timed runs after one warm-up, by step (a fused convolution with the
/// layers folded into it, or one other layer) and summed by kind.
public enum ForwardProfile {
    public struct Step: Sendable {
        /// The convolution's name for a fused step (its folded layers in `kinds`), else the layer's.
        public let name: String
        /// Keras class names of the layers the step covers, joined by "+" ("Conv2D+BatchNormalization+Add+ReLU").
        public let kinds: String
        public let seconds: Double
    }

    public static func measure(plan: InferencePlan, input x: Tensor, repeats: Int) throws -> [Step] {
        _ = try plan.predict(x)
        plan.stepSeconds = [:]
        defer { plan.stepSeconds = nil }
        let n = max(1, repeats)
        for _ in 0..<n { _ = try plan.predict(x) }
        let g = plan.graph
        return (plan.stepSeconds ?? [:]).sorted { $0.key < $1.key }.map { id, s in
            let covers = plan.covered(at: id)
            var kinds: [String] = []
            for c in covers where kinds.last != g.nodes[c].layer.className { kinds.append(g.nodes[c].layer.className) }
            return Step(name: g.nodes[covers[0]].layer.name, kinds: kinds.joined(separator: "+"), seconds: s / Double(n))
        }
    }

    /// The per-kind totals (largest first, with their share), then the `top` slowest steps.
    public static func lines(_ steps: [Step], top: Int = 12) -> [String] {
        let total = steps.reduce(0) { $0 + $1.seconds }
        var byKind: [String: (Double, Int)] = [:]
        for s in steps { byKind[s.kinds, default: (0, 0)].0 += s.seconds; byKind[s.kinds, default: (0, 0)].1 += 1 }
        var out = [String(format: "  profile: %.1f ms in %d steps", total * 1000, steps.count)]
        for (k, v) in byKind.sorted(by: { $0.value.0 > $1.value.0 }) {
            out.append(String(format: "    %8.2f ms %5.1f%%  %3d × %@", v.0 * 1000, 100 * v.0 / max(total, 1e-12), v.1, k))
        }
        out.append("    slowest steps:")
        for s in steps.sorted(by: { $0.seconds > $1.seconds }).prefix(top) {
            out.append(String(format: "    %8.2f ms  %@ (%@)", s.seconds * 1000, s.name, s.kinds))
        }
        return out
    }
}
