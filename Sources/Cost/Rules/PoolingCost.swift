import Graph

// Poolings: a windowed pooling reads its window for every output element (one comparison or addition
// each); a global pooling reads every input element once.

extension Pooling: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { OpCount(otherOps: mul(s.outputCount, elements(spatialWindow.kernel))) }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        (inputs.first ?? nil)?.through(spatialWindow, inputSize: Array(s.input.dropLast()))
    }
}

extension GlobalPooling: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { OpCount(otherOps: s.inputCount) }
}

/// The 3-D kinds run as two 2-D stages (`StagedVolume`): the plane stage over each depth slice, then the
/// depth stage over (depth, outH·outW) images; each stage costs what its 2-D kind does, and the field
/// combines the depth stage's window along depth with the plane stage's over (height, width).
extension StagedVolume: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        let (plane, depth) = (wrappedLayers[0], wrappedLayers[1])
        let planeShapes = CostShapes(inputs: [Array(s.input.dropFirst())], output: Array(s.output.dropFirst()))
        let depthShapes = CostShapes(inputs: [[s.input[0], mul(s.output[1], s.output[2]), s.output[3]]],
                                     output: [s.output[0], mul(s.output[1], s.output[2]), s.output[3]])
        guard let p = (plane as? any CostRule)?.opCount(planeShapes), let d = (depth as? any CostRule)?.opCount(depthShapes) else { return nil }
        return p * s.input[0] + d
    }

    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        guard let field = inputs.first ?? nil else { return nil }
        let (plane, depth) = (wrappedLayers[0], wrappedLayers[1])
        if let p = (plane as? any SpatiallyWindowed)?.spatialWindow, let d = (depth as? any SpatiallyWindowed)?.spatialWindow {
            let w = SpatialWindow(kernel: [d.kernel[0]] + p.kernel, strides: [d.strides[0]] + p.strides,
                                  dilation: [1] + p.dilation, padding: p.padding, transposed: false)
            return field.through(w, inputSize: Array(s.input.dropLast()))
        }
        if let p = (plane as? any SpatiallyShifted)?.positionsAddedBefore, let d = (depth as? any SpatiallyShifted)?.positionsAddedBefore {
            return field.shifted(by: [d[0]] + p)
        }
        return nil
    }
}
