import Failure

/// A failure the CLI reports as one line and an exit code (2 bad input or usage, 1 a check that failed, 130 interrupted).
public struct CommandError: ConvScopeFailure {
    /// What failed, for callers (and tests) that branch on it rather than on the message.
    public enum Kind: Sendable, Equatable {
        /// Bad input or usage: the message says what to change.
        case badInput
        /// A check the command made did not hold (`validate`, `diff`); the report is already printed.
        case checkFailed
        /// Stopped by SIGINT/SIGTERM; what was finished is kept for `--resume`.
        case interrupted
        /// A weights-only file where a model is needed: name its architecture with `--arch`.
        case weightsOnly
        /// `--resume` found nothing to resume from.
        case noCheckpoint
        /// Two models (or a study and its saved rounds) do not describe the same thing.
        case mismatch
    }

    public let message: String
    public let exitCode: Int32
    public let kind: Kind

    public init(_ message: String, exitCode: Int32 = 2, kind: Kind = .badInput) {
        self.message = message
        self.exitCode = exitCode
        self.kind = kind
    }

    public var description: String { message }
}
