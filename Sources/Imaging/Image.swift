import Foundation

/// An 8-bit-range image held as floats: `height × width × channels`, row-major,
/// channels interleaved (HWC), values nominally in [0, 255].
///
/// Channels: 1 (grey), 3 (RGB) or 4 (RGBA). Decoders always produce this type;
/// models take it through `Preprocessing` into a `Tensor`.
public struct Image: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * channels, "Image: \(width)x\(height)x\(channels) needs \(width * height * channels) values, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, fill: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: fill, count: width * height * channels))
    }

    @inline(__always)
    public subscript(y: Int, x: Int, c: Int) -> Float {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }
}
