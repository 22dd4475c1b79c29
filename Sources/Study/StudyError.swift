/// Why the study stopped: one line for the user and the exit code the CLI ends with
/// (2 bad input, 130 stopped by a signal).
public struct StudyError: Error, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
