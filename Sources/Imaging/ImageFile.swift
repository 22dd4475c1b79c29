import FileSupport
import Foundation
import MemoryLimit

/// Loading and saving image files.
public enum ImageFile {
    /// Container formats we read and write.
    public enum Format: String, Sendable {
        case png, jpeg
    }

    /// The format named by the file's first bytes, if any.
    public static func format(ofContents data: Data) -> Format? {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.count >= 8 && data.prefix(8).elementsEqual(png) { return .png }
        if data.count >= 3 && data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The format implied by a path's extension (.png, .jpg, .jpeg; any case), if any.
    public static func format(ofExtension path: String) -> Format? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        default: return nil
        }
    }

    /// Reads and decodes `path`, choosing the codec by magic bytes (not extension). A file longer than
    /// `byteLimit` is refused before it is read.
    public static func load(_ path: String, byteLimit: Int = MemoryLimit.bytes) throws -> Image {
        try WholeFileRead.check(path, limit: byteLimit) { ImagingError(.tooLarge, $0, path: path) }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImagingError(.io, "cannot read file (\(ioReason(error)))", path: path)
        }
        return try decode(data, byteLimit: byteLimit, name: path)
    }

    /// Decodes in-memory PNG or JPEG bytes; `name` labels errors.
    public static func decode(_ data: Data, byteLimit: Int = MemoryLimit.bytes, name: String? = nil) throws -> Image {
        if data.isEmpty { throw ImagingError(.corrupt, "file is empty", path: name) }
        switch format(ofContents: data) {
        case .png: return try PNGCodec.decode(data, byteLimit: byteLimit, name: name)
        case .jpeg: return try JPEGCodec.decode(data, byteLimit: byteLimit, name: name)
        case nil: throw ImagingError(.unsupported, "not a PNG or JPEG file", path: name)
        }
    }

    /// Encodes by extension (.png or .jpg/.jpeg) and writes atomically. JPEG drops alpha.
    public static func save(_ image: Image, to path: String, jpegQuality: Int = 90) throws {
        let data: Data
        do {
            switch format(ofExtension: path) {
            case .png:
                data = try PNGCodec.encode(image)
            case .jpeg:
                data = try JPEGCodec.encode(image.channels == 4 ? image.toRGB() : image, quality: jpegQuality)
            case nil:
                throw ImagingError(.invalidArgument, "unknown image extension (use .png, .jpg or .jpeg)")
            }
        } catch let error as ImagingError {
            throw error.at(path)
        }
        do {
            try AtomicFile.write(data: data, to: URL(fileURLWithPath: path))
        } catch let error as AtomicFile.WriteError {
            throw ImagingError(.io, error.message, path: path)
        }
    }

    private static func ioReason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSCocoaErrorDomain && ns.code == NSFileReadNoSuchFileError { return "no such file" }
        return ns.localizedDescription
    }
}
