import Graph

/// Identity and ActivityRegularization: the input itself.
extension Identity: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { c.x }
}

/// Dropout, SpatialDropout2D, GaussianNoise, GaussianDropout, AlphaDropout: identity at inference.
extension NoiseLayer: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { c.x }
}
