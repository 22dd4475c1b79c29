import Tensor

/// Keras `Average`: elementwise mean of two or more inputs.
public typealias Average = ElementwiseMerge<Mean>

public enum Mean: MergeOperation {
    public static let kerasClassNames = ["Average"]

    public static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor {
        var y = inputs[0]                                                    // (N, …)
        for t in inputs.dropFirst() { y.add(t) }
        let inv = 1 / Float(inputs.count)
        y.data.withUnsafeMutableBufferPointer { yp in for i in yp.indices { yp[i] *= inv } }
        return y
    }

    public static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor] {
        let inv = 1 / Float(inputs.count)
        let g = upstream.map { $0 * inv }
        return inputs.map { _ in g }
    }
}
