import Failure

/// A TensorFlow checkpoint or SavedModel file that cannot be read: one line naming the file and the problem.
public struct TensorBundleError: ConvScopeFailure, Equatable, Sendable {
    public let file: String
    public let message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String {
        "\(file): \(message)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
