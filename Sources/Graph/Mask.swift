import Tensor

/// Keras masks, as the graph carries them (issue 15).
///
/// A mask marks which positions of a tensor are real and which are padding: `Embedding(mask_zero=True)`
/// marks the index-0 positions, `Masking` the positions whose features all equal its `mask_value`.
/// It has the value's shape without its last (feature) axis — (N, T) for a (N, T, F) sequence — and
/// holds 1 where a position is kept, 0 where it is masked.
///
/// How masks travel is Keras 3's rule, the graph executor applies it node by node:
/// - a layer that conforms to `MaskAware` computes its output's mask (`outputMask`) and sees its
///   inputs' masks in `forward(_:masks:context:tape:)` (RNNs skip masked steps, `GlobalAveragePooling1D`
///   averages kept steps, merges combine masks);
/// - any other kind whose Keras class `supports_masking` (`Layer.supportsMasking`: Dense, activations,
///   dropouts, normalizations …) passes its first input's mask on unchanged;
/// - every other kind drops the mask (Keras warns that it "will destroy the mask information").
///
/// `ForwardPass.masks` holds each computed node's output mask; a recorded node's `Tape.masks` holds
/// the masks its inputs came with, which its backward reads. Attention layers read their query and
/// value masks the same way.
public protocol MaskAware: Layer {
    /// The mask of this layer's output, from its inputs and their masks (nil: no mask).
    func outputMask(_ inputs: [Tensor], masks: [Tensor?]) throws -> Tensor?
    /// The forward pass seeing the masks of its inputs (nil where an input has none).
    func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor
}

extension MaskAware {
    /// Default: the layer only produces a mask; its values do not depend on incoming masks.
    public func forward(_ inputs: [Tensor], masks: [Tensor?], context: inout ForwardContext, tape: Tape?) throws -> Tensor {
        try forward(inputs, context: &context, tape: tape)
    }
}

/// Mask arithmetic shared by the mask-aware kinds.
public enum Masks {
    /// Whether position `i` (an index into the mask's flat data) is kept.
    @inline(__always) static func kept(_ mask: Tensor, _ i: Int) -> Bool { mask.data[i] != 0 }

    /// A mask of `shape` keeping every position.
    public static func all(_ shape: [Int]) -> Tensor { Tensor(shape: shape, data: [Float](repeating: 1, count: shape.reduce(1, *))) }

    /// Keras' `logical_or` of masks of one shape.
    static func or(_ masks: [Tensor]) -> Tensor {
        var out = masks[0]
        for m in masks.dropFirst() { for i in 0..<out.count where m.data[i] != 0 { out.data[i] = 1 } }
        return out
    }

    /// Keras' `logical_and` of masks of one shape.
    static func and(_ masks: [Tensor]) -> Tensor {
        var out = masks[0]
        for m in masks.dropFirst() { for i in 0..<out.count where m.data[i] == 0 { out.data[i] = 0 } }
        return out
    }

    /// The (N, T) time mask an RNN reads from the mask of its (N, T, F) input; nil when there is none.
    static func steps(_ mask: Tensor?, of x: Tensor, layer: String) throws -> Tensor? {
        guard let mask else { return nil }
        guard mask.shape == Array(x.shape.prefix(2)) else {
            throw LayerError(layer, "mask of shape \(mask.shape) does not mark the (batch, time) steps of an input of shape \(x.shape)")
        }
        return mask
    }

    /// The mask of a value `x` given position-wise: 1 where any feature (last axis) of `x` differs from `value`.
    static func differing(_ x: Tensor, from value: Float) -> Tensor {
        let features = max(x.shape.last ?? 1, 1)
        var out = Tensor(zeros: Array(x.shape.dropLast()))
        x.data.withUnsafeBufferPointer { xp in
            for p in 0..<out.count where (p * features..<(p + 1) * features).contains(where: { xp[$0] != value }) {
                out.data[p] = 1
            }
        }
        return out
    }
}
