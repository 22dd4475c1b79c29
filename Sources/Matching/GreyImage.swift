// GreyImage — luma conversion Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601,
// the weights of skimage/PIL rgb2gray used by the paper) and the 224x224 resize
// applied before matching (docs/paper-facts.md, "The retraining experiment").
import Imaging

/// A single-channel float image, row-major, values in [0, 255].
public struct GreyImage: Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Row-major grey values in [0, 255].
    public var pixels: [Float]

    /// Wraps existing grey values (row-major, width * height of them).
    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height, "GreyImage: \(width)x\(height) needs \(width * height) values, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Converts an `Image` to grey (0.299, 0.587, 0.114; alpha ignored) and resizes it
    /// bilinearly to `size`x`size` (224 by default, as in the paper; nil keeps the size).
    public init(_ image: Image, size: Int? = 224) {
        let n = image.width * image.height
        var grey = [Float](repeating: 0, count: n)
        if image.channels == 1 {
            grey = image.pixels
        } else {
            let c = image.channels
            image.pixels.withUnsafeBufferPointer { p in
                for i in 0..<n {
                    grey[i] = 0.299 * p[i * c] + 0.587 * p[i * c + 1] + 0.114 * p[i * c + 2]
                }
            }
        }
        if let size, size != image.width || size != image.height {
            grey = matchingBilinearResize(grey, width: image.width, height: image.height, toWidth: size, toHeight: size)
            self.init(width: size, height: size, pixels: grey)
        } else {
            self.init(width: image.width, height: image.height, pixels: grey)
        }
    }

    /// Grey value at row `y`, column `x`.
    @inline(__always)
    public subscript(y: Int, x: Int) -> Float { pixels[y * width + x] }

    /// Back to a one-channel `Image` (for plotting or saving).
    public var image: Image { Image(width: width, height: height, channels: 1, pixels: pixels) }
}
