import Graph

// Convolutions of every kind and dimension: the products are (output positions) × (kernel elements),
// the kernel holding (window, in/groups, out) — depthwise (window, in, multiplier), separable both
// kernels, each at the output positions; a transposed convolution multiplies every input position by
// the whole kernel. Other ops: the bias add and the fused activation, one per output element each.

extension SpatiallyWindowed {
    /// Elements of the variables named `name` (the kernels).
    func kernelElements(_ names: Set<String>) -> Int {
        weights.filter { names.contains($0.name) }.reduce(0) { $0 + $1.value.count }
    }

    /// `macs` products, plus the bias add and fused activation over the output.
    func convolutionCount(macs: Int, _ s: CostShapes) -> OpCount {
        OpCount(macs: macs, otherOps: mul(biasOps + fusedActivationOps, s.outputCount))
    }

    /// The input's field through this layer's window.
    func windowField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? {
        (inputs.first ?? nil)?.through(spatialWindow, inputSize: Array(s.input.dropLast()))
    }

    /// Positions of the output (all axes but channels).
    func outputPositions(_ s: CostShapes) -> Int { elements(Array(s.output.dropLast())) }
}

extension Convolution: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { convolutionCount(macs: mul(outputPositions(s), kernelElements(["kernel"])), s) }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { windowField(inputs, s) }
}

extension Conv3D: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? { convolutionCount(macs: mul(outputPositions(s), kernelElements(["kernel"])), s) }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { windowField(inputs, s) }
}

extension DepthwiseConvolution: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        convolutionCount(macs: mul(outputPositions(s), kernelElements(["kernel", "depthwise_kernel"])), s)
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { windowField(inputs, s) }
}

extension SeparableConvolution: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        convolutionCount(macs: mul(outputPositions(s), kernelElements(["depthwise_kernel", "pointwise_kernel"])), s)
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { windowField(inputs, s) }
}

extension TransposedConvolution: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        convolutionCount(macs: mul(elements(Array(s.input.dropLast())), kernelElements(["kernel"])), s)
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { windowField(inputs, s) }
}

extension Conv3DTranspose: CostRule {
    public func opCount(_ s: CostShapes) -> OpCount? {
        convolutionCount(macs: mul(elements(Array(s.input.dropLast())), kernelElements(["kernel"])), s)
    }
    public func receptiveField(_ inputs: [ReceptiveField?], _ s: CostShapes) -> ReceptiveField? { windowField(inputs, s) }
}
