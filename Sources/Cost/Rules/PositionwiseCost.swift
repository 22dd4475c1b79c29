import Graph

// Kinds acting on each element where it is: one op per output element for an activation, two for a
// folded BatchNormalization (a multiply and an add) and for Rescaling and Normalization (scale, offset),
// four for the normalizations computing statistics (sum, sum of squares, normalize, affine), three for
// UnitNormalization (square, sum, divide); none for identity, noise and dropout at inference.
// The field passes through all of them.

/// Moves nothing and computes nothing at inference.
public protocol FreePositionwiseCost: PositionwiseCost {}
extension FreePositionwiseCost { public var opsPerElement: Int { 0 } }
/// One op per element: an activation function, a comparison.
public protocol ActivationCost: PositionwiseCost {}
extension ActivationCost { public var opsPerElement: Int { 1 } }
/// A scale and an offset per element.
public protocol AffineCost: PositionwiseCost {}
extension AffineCost { public var opsPerElement: Int { 2 } }

extension InputLayer: FreePositionwiseCost {}
extension Identity: FreePositionwiseCost {}
extension NoiseLayer: FreePositionwiseCost {}
extension Masking: ActivationCost {}
extension ReLU: ActivationCost {}
extension LeakyReLU: ActivationCost {}
extension PReLU: ActivationCost {}
extension ELU: ActivationCost {}
extension Softmax: ActivationCost {}
extension ThresholdedReLU: ActivationCost {}
extension BatchNormalization: AffineCost {}
extension Rescaling: AffineCost {}
extension Normalization: AffineCost {}
extension ActivationLayer: PositionwiseCost { public var opsPerElement: Int { fusedActivationOps } }
/// Statistics per group, then the normalization: sum, sum of squares, normalize, affine.
extension LayerNormalization: PositionwiseCost { public var opsPerElement: Int { 4 } }
extension GroupNormalization: PositionwiseCost { public var opsPerElement: Int { 4 } }
/// Square, sum, divide.
extension UnitNormalization: PositionwiseCost { public var opsPerElement: Int { 3 } }

/// Elementwise merges of n inputs: n − 1 ops per output element (Average one more, the division);
/// the field is the union of the inputs' fields.
extension ElementwiseMerge: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        OpCount(otherOps: mul(s.inputs.count - 1 + (Operation.self == Mean.self ? 1 : 0), s.outputCount))
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { ReceptiveField.union(inputs) }
}
