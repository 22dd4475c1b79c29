import Graph
import Tensor

/// Grad-CAM++ (Chattopadhay et al. 2018) as issue 18 defines it: with g = ∂logit_c/∂A at the layer,
/// α = g² / (2g² + Σ_ij A·g³) where the denominator is non-zero (else 0), w_k = Σ_ij α·relu(g),
/// map = relu(Σ_k w_k A_k) at the layer's resolution.
extension SaliencyMapper {
    public func gradCAMPlusPlus(_ image: Tensor, classIndex c: Int, layer: String? = nil) throws -> (map: Tensor, layer: String) {
        let node = try camNode(layer)
        let (a, g) = try activationAndGradient(image, classIndex: c, node: node)   // (1, h, w, K) each
        let (hw, ch) = (a.shape[1] * a.shape[2], a.shape[3])
        var cubes = [Double](repeating: 0, count: ch)                               // Σ_ij A·g³ per channel
        for p in 0..<hw {
            for k in 0..<ch {
                let gv = Double(g.data[p * ch + k])
                cubes[k] += Double(a.data[p * ch + k]) * gv * gv * gv
            }
        }
        var weights = [Double](repeating: 0, count: ch)
        for p in 0..<hw {
            for k in 0..<ch {
                let gv = Double(g.data[p * ch + k])
                let denominator = 2 * gv * gv + cubes[k]
                guard denominator != 0, gv > 0 else { continue }
                weights[k] += gv * gv / denominator * gv
            }
        }
        return (weightedChannelSum(a, weights: weights), node.name)
    }
}
