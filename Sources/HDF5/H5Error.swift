import Failure

/// A failed HDF5 operation: names the file on disk, the object inside it, and HDF5's innermost message.
public struct H5Error: ConvScopeFailure, Equatable, Sendable {
    /// Path of the HDF5 file on disk.
    public let filePath: String
    /// Path of the HDF5 object (group, dataset or attribute owner) the operation concerned.
    public let objectPath: String
    /// What was being attempted and why it failed, in ConvScope's words.
    public let message: String
    /// The innermost message of the HDF5 error stack, when the C library reported one.
    public let detail: String?

    /// Creates an error; newlines are flattened so the description stays one line.
    public init(filePath: String, objectPath: String, message: String, detail: String? = nil) {
        self.filePath = filePath
        self.objectPath = objectPath
        self.message = message
        self.detail = detail
    }

    /// One line: `file: object: message (HDF5: detail)`.
    public var description: String {
        var line = "\(filePath): \(objectPath): \(message)"
        if let detail, !detail.isEmpty { line += " (HDF5: \(detail))" }
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Where an operation happens; every wrapper object carries one so errors can name it.
struct H5Location: Sendable {
    let file: String
    let object: String

    /// The location of `name` relative to this object's path.
    func child(_ name: String) -> H5Location {
        H5Location(file: file, object: H5Path.join(object, name))
    }

    /// An error at this location that did not come from the C library.
    func error(_ message: String) -> H5Error {
        H5Error(filePath: file, objectPath: object, message: message)
    }
}
