/// A failure the CLI reports as one line and an exit code (2 bad input or usage, 1 a check that failed).
public struct CommandError: Error, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 2) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }
}
