import Failure

/// Why the study did not finish.
public enum StudyError: ConvScopeFailure {
    /// Settings, images or an output folder that do not fit (the CLI exits 2).
    case refused(String)
    /// Stopped on request between stages (the CLI exits 130); the finished rounds are kept.
    case stopped(String)

    public var description: String {
        switch self {
        case .refused(let m), .stopped(let m): return m
        }
    }

    public var exitCode: Int32 {
        if case .stopped = self { return 130 }
        return 2
    }
}
