import Foundation
import Tensor

/// How activations, gradients or projections are mapped to displayable pixels.
public enum DisplayNormalization: Sendable {
    /// Linear map of [min, max] to [0, 255] (a constant input becomes 0).
    case minMax
    /// The paper's transform: (x − mean) / max(std, 1e-4) · 0.1 + 0.5, clipped to [0, 1], × 255.
    case standardized

    /// Maps values to [0, 255].
    public func apply(_ values: [Float]) -> [Float] {
        guard !values.isEmpty else { return [] }
        switch self {
        case .minMax:
            let lo = values.min()!, hi = values.max()!
            guard hi > lo else { return [Float](repeating: 0, count: values.count) }
            let scale = 255 / (hi - lo)
            return values.map { ($0 - lo) * scale }
        case .standardized:
            let n = Double(values.count)
            let mean = values.reduce(0.0) { $0 + Double($1) } / n
            let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
            let std = max(variance.squareRoot(), 1e-4)
            return values.map { Float(min(1, max(0, (Double($0) - mean) / std * 0.1 + 0.5)) * 255) }
        }
    }
}

/// Item `item` of an NHWC tensor (or an HWC / HW tensor) with 1, 3 or 4 channels as an
/// image, all channels normalised together with `mode`.
public func normalizeForDisplay(_ tensor: Tensor, item: Int = 0, mode: DisplayNormalization = .minMax) -> Image {
    let (h, w, c) = Preprocessing.hwc(tensor.shape)
    precondition(c == 1 || c == 3 || c == 4, "normalizeForDisplay: \(c) channels; use featureMapImages for feature maps")
    let n = h * w * c
    precondition(item >= 0 && (item + 1) * n <= tensor.count, "normalizeForDisplay: item \(item) out of range")
    return Image(width: w, height: h, channels: c, pixels: mode.apply(Array(tensor.data[(item * n)..<((item + 1) * n)])))
}

/// Each channel of item `item` of an NHWC (or HWC) tensor as its own grey image,
/// normalised independently with `mode`.
public func featureMapImages(_ tensor: Tensor, item: Int = 0, mode: DisplayNormalization = .minMax) -> [Image] {
    let (h, w, c) = Preprocessing.hwc(tensor.shape)
    let n = h * w * c
    precondition(item >= 0 && (item + 1) * n <= tensor.count, "featureMapImages: item \(item) out of range")
    return (0..<c).map { channel in
        var values = [Float](repeating: 0, count: h * w)
        for i in 0..<(h * w) { values[i] = tensor.data[item * n + i * c + channel] }
        return Image(width: w, height: h, channels: 1, pixels: mode.apply(values))
    }
}
