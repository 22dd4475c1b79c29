import Tensor

// Shared shape rules and broadcasting for the elementwise merge layers
// (`ElementwiseMerge`) and PReLU's shared α.

enum Merge {
    /// Keras' elementwise-merge shape rule: equal ranks; along each axis sizes agree or one is 1.
    /// Returns the per-sample output shape, or refuses naming both offending shapes.
    static func outputShape(_ name: String, _ shapes: [[Int]], minInputs: Int = 2) throws -> [Int] {
        guard shapes.count >= minInputs else { throw LayerError(name, "expects at least \(minInputs) inputs, got \(shapes.count)") }
        var out = shapes[0]
        for s in shapes.dropFirst() {
            guard s.count == out.count else {
                throw LayerError(name, "inputs of shapes \(shapes[0]) and \(s) cannot be merged (different ranks)")
            }
            for a in s.indices where s[a] != out[a] {
                if s[a] == 1 { continue }
                if out[a] == 1 { out[a] = s[a]; continue }
                throw LayerError(name, "inputs of shapes \(shapes[0]) and \(s) cannot be merged (axis \(a + 1): \(out[a]) vs \(s[a]))")
            }
        }
        return out
    }

    /// The full (batch-first) output shape for runtime tensors, checked like `outputShape`.
    static func runtimeShape(_ name: String, _ inputs: [Tensor]) throws -> [Int] {
        let n = inputs[0].batch
        for t in inputs where t.batch != n {
            throw LayerError(name, "inputs of shapes \(inputs[0].shape) and \(t.shape) have different batch sizes")
        }
        return [n] + (try outputShape(name, inputs.map { Array($0.shape.dropFirst()) }, minInputs: 1))
    }

    /// `t` expanded to `shape` (a copy only when broadcasting is needed).
    static func expand(_ t: Tensor, to shape: [Int]) -> Tensor {
        if t.shape == shape { return t }
        let idx = broadcastSourceIndex(from: t.shape, to: shape)
        var out = Tensor(zeros: shape)
        t.data.withUnsafeBufferPointer { tp in
            out.data.withUnsafeMutableBufferPointer { op in
                for i in op.indices { op[i] = tp[idx[i]] }
            }
        }
        return out
    }

    /// Elementwise selection among inputs of one shape: starts from the first and takes a later input's
    /// value where `replaces(candidate, current)`; records the chosen input per element on the tape.
    static func select(_ inputs: [Tensor], tape: Tape?, replaces: (Float, Float) -> Bool) -> Tensor {
        var y = inputs[0]
        var winner = [Int32](repeating: 0, count: tape == nil ? 0 : y.count)
        for (k, t) in inputs.enumerated().dropFirst() {
            y.data.withUnsafeMutableBufferPointer { yp in
                t.data.withUnsafeBufferPointer { bp in
                    winner.withUnsafeMutableBufferPointer { wp in
                        let record = !wp.isEmpty
                        for i in yp.indices where replaces(bp[i], yp[i]) {
                            yp[i] = bp[i]
                            if record { wp[i] = Int32(k) }
                        }
                    }
                }
            }
        }
        tape?.indices = winner
        return y
    }

    /// The gradient of `select`: each element of `upstream` goes to the input chosen there, zero elsewhere.
    static func routeToSelected(_ upstream: Tensor, inputCount: Int, tape: Tape) -> [Tensor] {
        (0..<inputCount).map { k in
            var g = Tensor(zeros: upstream.shape)
            g.data.withUnsafeMutableBufferPointer { gp in
                upstream.data.withUnsafeBufferPointer { up in
                    for i in gp.indices where tape.indices[i] == Int32(k) { gp[i] = up[i] }
                }
            }
            return g
        }
    }

    /// Sums a gradient of the broadcast `shape` back onto an input of shape `target`.
    static func reduce(_ g: Tensor, to target: [Int]) -> Tensor {
        if g.shape == target { return g }
        let idx = broadcastSourceIndex(from: target, to: g.shape)
        var out = Tensor(zeros: target)
        g.data.withUnsafeBufferPointer { gp in
            out.data.withUnsafeMutableBufferPointer { op in
                for i in gp.indices { op[idx[i]] += gp[i] }
            }
        }
        return out
    }
}
