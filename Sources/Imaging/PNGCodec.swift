import CImageSupport
import Foundation
import MemoryLimit

/// PNG decoding and encoding through libpng.
///
/// Decoding gives what PIL gives: palette and low-bit grey expanded, 16-bit colour
/// reduced to its high byte, 16-bit grey clipped at 255 (PIL's I;16 → L), grey+alpha
/// widened to RGBA, palette with transparency as RGBA. Gamma and colour profiles are ignored.
public enum PNGCodec {
    /// Decodes PNG bytes; `name` labels errors. Refuses sides above 65535 px, and images whose decoding
    /// needs more than `byteLimit` bytes (`CodecBridge.bytesPerSample` per sample), from the header, before allocating.
    public static func decode(_ data: Data, byteLimit: Int = MemoryLimit.bytes, name: String? = nil) throws -> Image {
        try CodecBridge.decode(data, byteLimit: byteLimit, name: name, using: cis_png_decode)
    }

    /// Encodes an 8-bit grey, RGB or RGBA PNG (samples rounded and clamped to 0…255).
    public static func encode(_ image: Image) throws -> Data {
        try CodecBridge.encode(image) { px, w, h, c, out, err, len in
            cis_png_encode(px, w, h, c, out, err, len)
        }
    }
}

/// Shared glue between Swift and the C codec functions.
enum CodecBridge {
    typealias DecodeFunction = (UnsafePointer<UInt8>?, Int, Int, UnsafeMutablePointer<cis_decoded>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
    typealias EncodeFunction = (UnsafePointer<UInt8>?, Int32, Int32, Int32, UnsafeMutablePointer<cis_buffer>?, UnsafeMutablePointer<CChar>?, Int) -> Int32

    /// Memory one decoded sample takes: a byte in the decoder's buffer, then a `Float` in the `Image`
    /// (both live while converting). 16-bit grey PNGs hold one more byte per sample in the decoder.
    static let bytesPerSample = 1 + MemoryLayout<Float>.size

    static func decode(_ data: Data, byteLimit: Int, name: String?, using function: DecodeFunction) throws -> Image {
        guard !data.isEmpty else { throw ImagingError(.corrupt, "file is empty", path: name) }
        var decoded = cis_decoded()
        var message = [CChar](repeating: 0, count: 512)
        let code = data.withUnsafeBytes { raw in
            function(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, max(0, byteLimit) / bytesPerSample,
                     &decoded, &message, message.count)
        }
        if code == CIS_ERR_MEMORY {
            let (w, h, c) = (Int(decoded.width), Int(decoded.height), Int(decoded.channels))
            let refusal = MemoryLimit.refusal("image of \(w)x\(h)x\(c) samples", declares: DeclaredSize.product([w, h, c, bytesPerSample]),
                                              detail: "\(bytesPerSample) bytes per sample decoded", limit: byteLimit)
            throw ImagingError(.tooLarge, refusal ?? String(cString: message), path: name)
        }
        guard code == 0 else {
            throw ImagingError(kind(of: code), String(cString: message), path: name)
        }
        defer { cis_free(decoded.pixels) }
        let count = Int(decoded.width) * Int(decoded.height) * Int(decoded.channels)
        let samples = UnsafeBufferPointer(start: decoded.pixels, count: count)
        return Image(width: Int(decoded.width), height: Int(decoded.height), channels: Int(decoded.channels),
                     pixels: samples.map { Float($0) })
    }

    static func encode(_ image: Image, using function: EncodeFunction) throws -> Data {
        let bytes = image.bytes()
        var buffer = cis_buffer()
        var message = [CChar](repeating: 0, count: 512)
        let code = function(bytes, Int32(clamping: image.width), Int32(clamping: image.height), Int32(clamping: image.channels),
                            &buffer, &message, message.count)
        guard code == 0 else { throw ImagingError(kind(of: code), String(cString: message)) }
        defer { cis_free(buffer.bytes) }
        return Data(bytes: buffer.bytes, count: buffer.size)
    }

    static func kind(of code: Int32) -> ImagingError.Kind {
        switch code {
        case CIS_ERR_UNSUPPORTED: return .unsupported
        case CIS_ERR_LIMIT: return .tooLarge
        default: return .corrupt
        }
    }
}
