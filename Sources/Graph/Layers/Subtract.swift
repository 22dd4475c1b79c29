import Tensor

/// Keras `Subtract`: first input minus the second (exactly two inputs).
public typealias Subtract = ElementwiseMerge<Difference>

public enum Difference: MergeOperation {
    public static let kerasClassNames = ["Subtract"]
    public static var takesExactlyTwoInputs: Bool { true }

    public static func forward(_ inputs: [Tensor], tape: Tape?) -> Tensor {
        var y = inputs[0]                                                    // (N, …)
        inputs[1].data.withUnsafeBufferPointer { bp in
            y.data.withUnsafeMutableBufferPointer { yp in for i in yp.indices { yp[i] -= bp[i] } }
        }
        return y
    }

    public static func backward(_ upstream: Tensor, inputs: [Tensor], tape: Tape) -> [Tensor] {
        [upstream, upstream.map { -$0 }]
    }
}
