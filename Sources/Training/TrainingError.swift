import Failure

/// Errors from training: each names what is wrong and where.
public enum TrainingError: ConvScopeFailure {
    case badArgument(String)
    case badData(String)
    case badCheckpoint(String)

    public var description: String {
        switch self {
        case .badArgument(let m), .badData(let m): return m
        case .badCheckpoint(let m): return "checkpoint: \(m)"
        }
    }
}
