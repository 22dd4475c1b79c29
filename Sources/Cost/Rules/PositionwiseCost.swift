import Graph

// Kinds acting on each element where it is: one op per output element for an activation, two for a
// folded BatchNormalization (a multiply and an add) and for Rescaling and Normalization (scale, offset),
// four for the normalizations computing statistics (sum, sum of squares, normalize, affine), three for
// UnitNormalization (square, sum, divide); none for identity, noise and dropout at inference.
// The field passes through all of them.

extension InputLayer: PositionwiseCost { public var opsPerElement: Int { 0 } }
extension Identity: PositionwiseCost { public var opsPerElement: Int { 0 } }
extension NoiseLayer: PositionwiseCost { public var opsPerElement: Int { 0 } }
extension Masking: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension ActivationLayer: PositionwiseCost { public var opsPerElement: Int { fusedActivationOps } }
extension ReLU: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension LeakyReLU: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension PReLU: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension ELU: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension Softmax: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension ThresholdedReLU: PositionwiseCost { public var opsPerElement: Int { 1 } }
extension BatchNormalization: PositionwiseCost { public var opsPerElement: Int { 2 } }
extension Rescaling: PositionwiseCost { public var opsPerElement: Int { 2 } }
extension Normalization: PositionwiseCost { public var opsPerElement: Int { 2 } }
extension LayerNormalization: PositionwiseCost { public var opsPerElement: Int { 4 } }
extension GroupNormalization: PositionwiseCost { public var opsPerElement: Int { 4 } }
extension UnitNormalization: PositionwiseCost { public var opsPerElement: Int { 3 } }

/// Elementwise merges of n inputs: n − 1 ops per output element (Average one more, the division);
/// the field is the union of the inputs' fields.
extension ElementwiseMerge: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        OpCount(otherOps: (s.inputs.count - 1 + (Operation.self == Mean.self ? 1 : 0)) * s.outputCount)
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { ReceptiveField.union(inputs) }
}
