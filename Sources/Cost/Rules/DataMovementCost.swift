import Graph

// Kinds that only move data: no operations. Padding and cropping keep the field, moving its start;
// concatenation takes the union of the inputs' fields; reshaping, repeating, upsampling and resizing
// end it (an output position is no whole-pixel window of the input). Resizing interpolates: one op per
// output element.

extension Flatten: DataMovementCost {}
extension Reshape: DataMovementCost {}
extension Permute: DataMovementCost {}
extension RepeatVector: DataMovementCost {}
extension UpSampling: DataMovementCost {}
extension CenterCrop: DataMovementCost {}
extension LayerOutput: DataMovementCost {}

extension Resizing: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { OpCount(otherOps: s.outputCount) }
}

extension Concatenate: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { .zero }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { ReceptiveField.union(inputs) }
}

extension ZeroPadding: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { .zero }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        (inputs.first ?? nil)?.shifted(by: positionsAddedBefore)
    }
}

extension Cropping: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { .zero }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        (inputs.first ?? nil)?.shifted(by: positionsAddedBefore)
    }
}

/// The images a channels-first model takes, moved to (channels, height, width): the field passes.
extension ChannelsToFirst: FreePositionwiseCost {}

/// A channels-first layer runs its channels-last kind between axis moves: the kind's cost and field
/// over the shapes with the channels moved last.
extension ChannelsFirst: CostRule {
    private func channelsLast(_ s: CostShapes) -> CostShapes {
        let last = { (x: [Int]) in x.count > 1 ? Array(x.dropFirst()) + [x[0]] : x }
        return CostShapes(inputs: s.inputs.map(last), output: last(s.output))
    }
    public func opCount(_ s: CostShapes) -> OpCount? { (wrappedLayers.first as? any CostRule)?.opCount(channelsLast(s)) }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        (wrappedLayers.first as? any CostRule)?.receptiveField(inputs, channelsLast(s))
    }
}
