import Tensor

/// Keras `Concatenate` along `axis`, which counts the batch axis as Keras does
/// (−1 and 3 are the channels of an image tensor; 0, the batch, is refused).
public final class Concatenate: MaskAware {
    public static let kerasClassNames = ["Concatenate"]
    public static let kerasConfigKeys: Set<String> = ["axis"]
    public var identity: LayerIdentity
    public var weights: [WeightVariable] = []
    let axis: Int

    public init(name: String, config: JSON) throws {
        identity = LayerIdentity(Self.self, name: name, config: config)
        axis = try LayerConfig(layer: name, json: config).int("axis", default: -1)
    }

    /// The axis of the batch-first tensor, for inputs of per-sample rank `rank`.
    private func fullAxis(rank: Int) throws -> Int {
        let a = axis < 0 ? axis + rank + 1 : axis
        guard a >= 1, a <= rank else {
            throw LayerError(name, "axis \(axis) is not a feature axis of a \(rank + 1)-D tensor (batch axis 0 cannot be concatenated)")
        }
        return a
    }

    public func build(inputShapes: [[Int]]) throws -> [Int] {
        guard inputShapes.count >= 2 else { throw LayerError(name, "expects at least two inputs, got \(inputShapes.count)") }
        let first = inputShapes[0]
        let a = try fullAxis(rank: first.count) - 1
        var out = first
        for s in inputShapes.dropFirst() {
            guard s.count == first.count, s.indices.allSatisfy({ $0 == a || s[$0] == first[$0] }) else {
                throw LayerError(name, "inputs of shapes \(first) and \(s) cannot be concatenated on axis \(axis)")
            }
            out[a] += s[a]
        }
        return out
    }

    /// Keras' rule: none when no input has a mask; else each input's mask (all kept where it has none)
    /// broadcast over the input's features, concatenated on `axis`, and any-ed over the last axis.
    public func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor? {
        guard masks.contains(where: { $0 != nil }) else { return nil }
        var ctx = ForwardContext()
        let full = zip(inputs, masks).map { x, m -> Tensor in                 // each of its input's shape
            guard let m else { return Masks.all(x.shape) }
            let features = x.count / max(m.count, 1)
            return Tensor(shape: x.shape, data: m.data.flatMap { repeatElement($0, count: features) })
        }
        let joined = try forward(full, context: &ctx, tape: nil)
        return Masks.differing(joined, from: 0)
    }

    public func forward(_ inputs: [Tensor], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        let a = try fullAxis(rank: inputs[0].rank - 1)
        var shape = inputs[0].shape
        shape[a] = 0
        for t in inputs {
            guard t.rank == shape.count, t.shape.indices.allSatisfy({ $0 == a || t.shape[$0] == inputs[0].shape[$0] }) else {
                throw LayerError(name, "inputs of shapes \(inputs[0].shape) and \(t.shape) cannot be concatenated on axis \(axis)")
            }
            shape[a] += t.shape[a]
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let rowOut = shape[a] * inner
        var y = Tensor(zeros: shape)                                          // inputs side by side on `axis`
        y.data.withUnsafeMutableBufferPointer { yp in
            var offset = 0
            for t in inputs {
                let chunk = t.shape[a] * inner
                t.data.withUnsafeBufferPointer { tp in
                    for o in 0..<outer {
                        (yp.baseAddress! + o * rowOut + offset).update(from: tp.baseAddress! + o * chunk, count: chunk)
                    }
                }
                offset += chunk
            }
        }
        return y
    }

    public func backward(_ upstream: Tensor, tape: Tape, rule: BackwardRule, weightGradients: Bool) throws -> LayerGradients {
        let shape = upstream.shape
        let a = try fullAxis(rank: shape.count - 1)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let rowOut = shape[a] * inner
        var offset = 0
        var grads: [Tensor] = []
        upstream.data.withUnsafeBufferPointer { up in
            for t in tape.inputs {
                let chunk = t.shape[a] * inner
                var g = Tensor(zeros: t.shape)                                // the input's slice
                g.data.withUnsafeMutableBufferPointer { gp in
                    for o in 0..<outer {
                        (gp.baseAddress! + o * chunk).update(from: up.baseAddress! + o * rowOut + offset, count: chunk)
                    }
                }
                grads.append(g)
                offset += chunk
            }
        }
        return LayerGradients(inputs: grads)
    }
}
