import Failure

/// Every failure reading a Keras file: one line naming the file and the object inside it.
public struct KerasIOError: ConvScopeFailure, Equatable, Sendable {
    /// Path of the file on disk (or a label such as `config.json in x.keras`).
    public let file: String
    /// The object concerned: an HDF5 path, a zip entry, a layer name, or "" for the whole file.
    public let object: String
    public let message: String
    public let kind: Kind

    /// What failed, for callers (and tests) that branch on it rather than on the message.
    public enum Kind: Sendable, Equatable {
        /// Missing, malformed, hostile or not a Keras file.
        case unreadable
        /// Well formed, in a variant ConvScope does not read or write (Keras 1 export, …).
        case unsupported
        /// Weights that do not fit the architecture they are paired with (`--arch`).
        case architectureMismatch
        /// An output name Keras would not load the chosen format from.
        case unloadableName
        /// The isolated reader (`KerasFile.preflight`) crashed on the file.
        case readerCrashed
        /// The isolated reader did not finish in time.
        case readerTimedOut
    }

    public init(file: String, object: String = "", _ message: String, kind: Kind = .unreadable) {
        self.file = file
        self.object = object
        self.message = message
        self.kind = kind
    }

    public var description: String {
        let line = object.isEmpty ? "\(file): \(message)" : "\(file): \(object): \(message)"
        return line.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
