import Graph
import Tensor

/// Score-CAM (Wang et al. 2020) as issue 18 defines it: for each channel k of the layer, M_k = A_k resized
/// bilinearly to the input size (tf.image.resize: half-pixel centres) and min–max normalised to [0, 1]
/// (a constant channel gives M_k = 0); α_k = p_c(x ⊙ M_k) − p_c(0); map = relu(Σ_k α_k A_k) at the layer's
/// resolution. The K masked images go through in batches.
extension SaliencyMapper {
    /// `channels`: only the layer's first N channels (what `bench attribution --channels` times); nil = all.
    public func scoreCAM(_ image: Tensor, classIndex c: Int, layer: String? = nil, channels: Int? = nil,
                         progress: ((Int, Int) -> Void)? = nil) throws -> (map: Tensor, layer: String) {
        let node = try camNode(layer)
        var ctx = ForwardContext()
        let a = logits.channelsLastValue(try logits.forward([image], targets: [node.id], context: &ctx).value(node.id)!, node: node.id)
        let (h, w, ch) = (a.shape[1], a.shape[2], a.shape[3])                      // A: (1, h, w, K)
        let used = min(channels ?? ch, ch)
        let (height, width, colours) = (image.shape[1], image.shape[2], image.shape[3])
        let scores0 = try scores(Tensor(zeros: image.shape))
        guard c >= 0 && c < scores0.count else { throw GraphError.badInput("class \(c) is out of range: the model has \(scores0.count) outputs") }
        let p0 = SaliencyMapper.softmax(scores0)[c]
        var alphas = [Double](repeating: 0, count: ch)                             // unused channels weigh 0
        // Each masked image is written by its own core: the resize and normalisation read only A and the image.
        try forEachBatch(count: used, itemShape: image.shape, parallelMake: true, progress: { progress?($0, used) }, make: { k, slot in
            var plane = Tensor(zeros: [1, h, w, 1])
            for p in 0..<(h * w) { plane.data[p] = a.data[p * ch + k] }
            let mask = Resample.bilinear(plane, height: height, width: width)    // (1, H, W, 1)
            let (lo, hi) = (mask.min, mask.max)
            for p in 0..<(height * width) {
                let m = hi > lo ? (mask.data[p] - lo) / (hi - lo) : 0
                for q in 0..<colours { slot[p * colours + q] = image.data[p * colours + q] * m }
            }
        }, consume: { first, pass in
            for (j, probabilities) in SaliencyMapper.probabilities(pass.value(logits.outputNodes[0])!).enumerated() {
                alphas[first + j] = probabilities[c] - p0
            }
        })
        return (weightedChannelSum(a, weights: alphas), node.name)
    }
}
