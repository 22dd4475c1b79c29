/// A failure ConvScope reports as one line and an exit code. Every error type of the library targets
/// adopts it, so the executable asks this protocol instead of matching error types.
///
/// The one line is `description` (what `convscope: …` prints); an empty description prints nothing
/// (a check that failed after its report was printed).
public protocol ConvScopeFailure: Error, CustomStringConvertible {
    /// 2 bad input or usage (the default), 1 a check that failed, 130 interrupted.
    var exitCode: Int32 { get }
}

extension ConvScopeFailure {
    public var exitCode: Int32 { 2 }
}
