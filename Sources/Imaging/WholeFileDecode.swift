import Foundation

/// A reader of whole files (`.npy`, CIFAR-10 batches): reads `path` after its size check, then decodes
/// the bytes; a read failure and every decoding error name the file.
enum WholeFileDecode {
    static func decode<T>(_ path: String, _ body: (Data) throws -> T) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImagingError(.io, "cannot read file", path: path)
        }
        do {
            return try body(data)
        } catch let error as ImagingError {
            throw error.at(path)
        }
    }
}
