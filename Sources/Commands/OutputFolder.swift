import FileSupport
import Foundation
import Imaging
import Tensor

/// Where a command writes its files; every file goes through an atomic write.
public struct OutputFolder {
    public let url: URL

    public init(_ path: String) throws {
        url = URL(fileURLWithPath: path)
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw CommandError("\(path): cannot create the output folder (\(error.localizedDescription))")
        }
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    public func png(_ image: Image, _ name: String) throws -> String {
        let p = path(name)
        try ImageFile.save(image, to: p)
        return p
    }

    @discardableResult
    public func npy(_ tensor: Tensor, _ name: String) throws -> String {
        let p = path(name)
        try NPY.write(tensor, to: p)
        return p
    }

    @discardableResult
    public func json<T: Encodable>(_ value: T, _ name: String) throws -> String {
        let p = path(name)
        try AtomicFile.write(data: Data(try JSONOutput.string(value).utf8), to: URL(fileURLWithPath: p))
        return p
    }

    /// A file-name-safe form of a layer name (`outer/inner:1` → `outer_inner_1`).
    public static func safe(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }
}
