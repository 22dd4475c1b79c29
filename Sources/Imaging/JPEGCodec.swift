import CImageSupport
import Foundation
import MemoryLimit

/// JPEG decoding and encoding through libjpeg(-turbo).
///
/// Baseline, progressive and greyscale files decode to RGB or grey; CMYK/YCCK files
/// are refused. Truncated data is an error (as in PIL), other libjpeg warnings are ignored.
public enum JPEGCodec {
    /// Decodes JPEG bytes; `name` labels errors. Refuses sides above 65535 px, and images whose decoding
    /// needs more than `byteLimit` bytes (`CodecBridge.bytesPerSample` per sample), from the header, before allocating.
    public static func decode(_ data: Data, byteLimit: Int = MemoryLimit.bytes, name: String? = nil) throws -> Image {
        try CodecBridge.decode(data, byteLimit: byteLimit, name: name, using: cis_jpeg_decode)
    }

    /// Encodes a grey or RGB JPEG with libjpeg's quality scale (1…100, 4:2:0 chroma for RGB).
    public static func encode(_ image: Image, quality: Int = 90) throws -> Data {
        guard image.channels == 1 || image.channels == 3 else {
            throw ImagingError(.invalidArgument, "JPEG holds grey or RGB; convert the \(image.channels)-channel image first")
        }
        let q = Int32(clamping: quality)
        return try CodecBridge.encode(image) { px, w, h, c, out, err, len in
            cis_jpeg_encode(px, w, h, c, q, out, err, len)
        }
    }
}
