import Tensor

/// Keras `Multiply`: elementwise product of two or more inputs.
/// Backward: d/dxᵢ = g · Π_{j≠i} xⱼ (computed directly, no division).
public typealias Multiply = ElementwiseMerge<Product>

public enum Product: MergeOperation {
    public static let kerasClassNames = ["Multiply"]

    private static func product(_ factors: [Tensor], into y: inout Tensor) {
        y.data.withUnsafeMutableBufferPointer { yp in
            for f in factors {
                f.data.withUnsafeBufferPointer { fp in for i in yp.indices { yp[i] *= fp[i] } }
            }
        }
    }

    public static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor {
        var y = inputs[0]                                                    // (N, …)
        product(Array(inputs.dropFirst()), into: &y)
        return y
    }

    public static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor] {
        inputs.indices.map { i in
            var g = upstream
            product(inputs.enumerated().filter { $0.offset != i }.map(\.element), into: &g)
            return g
        }
    }
}
