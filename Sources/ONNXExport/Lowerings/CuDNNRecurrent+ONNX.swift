import Graph

/// CuDNNLSTM / CuDNNGRU: the plain LSTM / GRU holding the converted weights (Keras' gate layout, the
/// CuDNN bias halves as the layer folds them), through the recurrent lowering.
extension CuDNNRecurrent: ONNXMultiOutputLowering, ONNXMaskAwareLowering {
    public func lowerONNXAll(_ c: ONNXLoweringContext) throws -> [String] { try converted.lowerONNXAll(c) }
}
