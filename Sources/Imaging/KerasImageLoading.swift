import Foundation
import MemoryLimit

/// `keras.utils.load_img` equivalent: decode, convert colour mode, then PIL-resize.
public enum KerasImageLoading {
    /// Keras' `color_mode` argument.
    public enum ColorMode: String, Sendable {
        case grayscale, rgb, rgba
    }

    /// Loads `path` as `load_img(path, color_mode:, target_size: (height, width), interpolation:,
    /// keep_aspect_ratio:)` does; `targetSize` is (height, width) like Keras.
    public static func load(_ path: String, colorMode: ColorMode = .rgb, targetSize: (height: Int, width: Int)? = nil,
                            interpolation: Interpolation = .nearest, keepAspectRatio: Bool = false,
                            byteLimit: Int = MemoryLimit.bytes) throws -> Image {
        let decoded = try ImageFile.load(path, byteLimit: byteLimit)
        return prepare(decoded, colorMode: colorMode, targetSize: targetSize,
                       interpolation: interpolation, keepAspectRatio: keepAspectRatio)
    }

    /// The colour conversion and resize steps of `load_img` on an already decoded image.
    public static func prepare(_ image: Image, colorMode: ColorMode = .rgb, targetSize: (height: Int, width: Int)? = nil,
                               interpolation: Interpolation = .nearest, keepAspectRatio: Bool = false) -> Image {
        var img: Image
        switch colorMode {
        case .grayscale: img = image.toGrey()
        case .rgb: img = image.toRGB()
        case .rgba: img = image.toRGBA()
        }
        guard let target = targetSize, (target.width, target.height) != (img.width, img.height) else { return img }
        if keepAspectRatio {
            // Centre crop to the target aspect ratio, with Keras' integer arithmetic.
            let cropHeight = min(img.height, (img.width * target.height) / target.width)
            let cropWidth = min(img.width, (img.height * target.width) / target.height)
            let y0 = (img.height - cropHeight) / 2, x0 = (img.width - cropWidth) / 2
            img = img.resized(width: target.width, height: target.height, interpolation: interpolation,
                              box: (Float(x0), Float(y0), Float(x0 + cropWidth), Float(y0 + cropHeight)))
        } else {
            img = img.resized(width: target.width, height: target.height, interpolation: interpolation)
        }
        return img
    }
}
