import Failure
import Foundation

/// A one-line error from decoding, encoding or reading image-related files.
public struct ImagingError: ConvScopeFailure, Equatable, Sendable {
    /// What went wrong, coarsely, so callers and tests can branch on it.
    public enum Kind: Sendable, Equatable {
        /// File missing, unreadable or unwritable.
        case io
        /// Malformed, truncated or otherwise undecodable content.
        case corrupt
        /// Well-formed content in a variant we do not handle (CMYK JPEG, Fortran-order NPY, …).
        case unsupported
        /// Declared dimensions or byte size above the allowed limit.
        case tooLarge
        /// A bad argument from the caller (wrong channel count, unknown extension, …).
        case invalidArgument
    }

    public var kind: Kind
    /// The file (or data source) involved, when there is one.
    public var path: String?
    public var message: String

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    public var description: String {
        guard let path else { return message }
        return "\(path): \(message)"
    }

    /// The same error attributed to `path` (kept if one is already set).
    func at(_ path: String) -> ImagingError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}
