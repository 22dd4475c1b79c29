import Foundation
import Tensor

/// Input normalisation modes of `keras.applications.imagenet_utils.preprocess_input`
/// (channels-last), plus plain scaling and identity.
public enum Preprocessing: String, Sendable, CaseIterable {
    /// RGB → BGR, then subtract the ImageNet BGR means 103.939, 116.779, 123.68 (VGG, ResNet50).
    case caffe
    /// x / 127.5 − 1, into [−1, 1] (MobileNet, Inception, Xception).
    case tf
    /// x / 255, minus mean (0.485, 0.456, 0.406), divided by std (0.229, 0.224, 0.225) (DenseNet).
    case torch
    /// x / 255, into [0, 1].
    case scale
    /// Values unchanged.
    case none

    static let caffeMean: [Float] = [103.939, 116.779, 123.68]
    static let torchMean: [Float] = [0.485, 0.456, 0.406]
    static let torchStd: [Float] = [0.229, 0.224, 0.225]

    /// An NHWC batch of preprocessed images, all of one size. `caffe` and `torch` need RGB,
    /// so grey and RGBA images are converted to RGB first; other modes keep the channels.
    /// Arithmetic is float32 in Keras' order, so results equal Keras' bit for bit.
    public func tensor(from images: [Image]) -> Tensor {
        precondition(!images.isEmpty, "preprocess: no images")
        let needsRGB = self == .caffe || self == .torch
        let first = images[0]
        let channels = needsRGB ? 3 : first.channels
        let itemCount = first.width * first.height * channels
        var data = [Float]()
        data.reserveCapacity(itemCount * images.count)
        for image in images {
            precondition(image.width == first.width && image.height == first.height,
                         "preprocess: image sizes differ (\(image.width)x\(image.height) vs \(first.width)x\(first.height))")
            let img = needsRGB ? image.toRGB() : image
            precondition(img.channels == channels, "preprocess: channel counts differ")
            data += apply(img.pixels, channels: channels)
        }
        return Tensor(shape: [images.count, first.height, first.width, channels], data: data)
    }

    /// The forward transform on interleaved samples.
    func apply(_ x: [Float], channels: Int) -> [Float] {
        switch self {
        case .none:
            return x
        case .scale:
            return x.map { $0 / 255 }
        case .tf:
            return x.map { $0 / 127.5 - 1 }
        case .torch:
            var out = x
            for i in 0..<out.count {
                let c = i % channels
                out[i] = (out[i] / 255 - Preprocessing.torchMean[c]) / Preprocessing.torchStd[c]
            }
            return out
        case .caffe:
            var out = x
            for i in stride(from: 0, to: out.count, by: 3) {
                out[i] = x[i + 2] - Preprocessing.caffeMean[0]
                out[i + 1] = x[i + 1] - Preprocessing.caffeMean[1]
                out[i + 2] = x[i] - Preprocessing.caffeMean[2]
            }
            return out
        }
    }

    /// Undoes the transform for display: item `index` of an NHWC (or HWC) tensor back to an
    /// RGB/grey image in [0, 255] (BGR restored to RGB for `caffe`; values clamped).
    public func image(from tensor: Tensor, index: Int = 0) -> Image {
        let (h, w, c) = Preprocessing.hwc(tensor.shape)
        precondition(c == 1 || c == 3 || c == 4, "image(from:): \(c) channels; expected 1, 3 or 4")
        precondition((self != .caffe && self != .torch) || c == 3, "image(from:): \(rawValue) mode needs 3 channels")
        let n = h * w * c
        precondition(index >= 0 && (index + 1) * n <= tensor.count, "image(from:): item \(index) out of range")
        let x = Array(tensor.data[(index * n)..<((index + 1) * n)])
        var out = x
        switch self {
        case .none:
            break
        case .scale:
            out = x.map { $0 * 255 }
        case .tf:
            out = x.map { ($0 + 1) * 127.5 }
        case .torch:
            for i in 0..<n {
                let ch = i % 3
                out[i] = (x[i] * Preprocessing.torchStd[ch] + Preprocessing.torchMean[ch]) * 255
            }
        case .caffe:
            for i in stride(from: 0, to: n, by: 3) {
                out[i] = x[i + 2] + Preprocessing.caffeMean[2]
                out[i + 1] = x[i + 1] + Preprocessing.caffeMean[1]
                out[i + 2] = x[i] + Preprocessing.caffeMean[0]
            }
        }
        return Image(width: w, height: h, channels: c, pixels: out.map { min(255, max(0, $0.isNaN ? 0 : $0)) })
    }

    /// (height, width, channels) of an NHWC, HWC or HW shape.
    static func hwc(_ shape: [Int]) -> (Int, Int, Int) {
        switch shape.count {
        case 4: return (shape[1], shape[2], shape[3])
        case 3: return (shape[0], shape[1], shape[2])
        case 2: return (shape[0], shape[1], 1)
        default: preconditionFailure("expected an NHWC, HWC or HW tensor, got shape \(shape)")
        }
    }
}
