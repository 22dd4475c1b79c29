import Foundation

extension Image {
    /// Builds an image from interleaved 8-bit samples.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        self.init(width: width, height: height, channels: channels, pixels: bytes.map { Float($0) })
    }

    /// Interleaved 8-bit samples: values rounded half away from zero and clamped to 0…255 (NaN → 0).
    public func bytes() -> [UInt8] {
        pixels.map(Image.byte)
    }

    /// One float sample as a byte, rounded and clamped.
    @inline(__always)
    static func byte(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }
        return v >= 255 ? 255 : UInt8(v.rounded())
    }
}
