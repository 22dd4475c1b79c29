// The memory bound of issue 24 for a forward pass: the weights (float32, as held once) plus the
// two largest activations of the batch (a layer's input and output alive together), plus 20%.
// Activation sizes come from Cost.ModelCost (each node's output bytes for the batch).
import Cost
import Foundation
import Graph

/// Weights + the two largest activations + 20%, for a graph and batch.
public struct MemoryBudget: Sendable, Equatable {
    /// float32 bytes of every weight.
    public var weightBytes: Int
    /// The two largest node outputs for the batch, largest first.
    public var largestActivationBytes: [Int]

    /// (weights + the two largest activations) × 1.2.
    public var boundBytes: Int { Int((Double(weightBytes + largestActivationBytes.reduce(0, +)) * 1.2).rounded()) }

    /// The budget of a forward pass of `graph` over `batch` samples.
    public static func forward(_ graph: Graph, batch: Int) -> MemoryBudget {
        let activations = ModelCost.analyze(graph: graph, batch: batch).layers.compactMap(\.activationBytes).sorted(by: >)
        return MemoryBudget(weightBytes: graph.parameterCount * 4, largestActivationBytes: Array(activations.prefix(2)))
    }

    /// One line: the measured peak against the bound.
    public func line(_ what: String, peakMB: Double) -> String {
        let mb = { (b: Int) in Double(b) / 1_048_576 }
        return String(format: "%@: peak %.0f MB   bound %.0f MB (weights %.0f + activations %.0f + %.0f, +20%%)   ratio (peak/bound) %.2f",
                      what, peakMB, mb(boundBytes), mb(weightBytes), mb(largestActivationBytes.first ?? 0),
                      mb(largestActivationBytes.dropFirst().first ?? 0), peakMB / mb(boundBytes))
    }
}

/// Resets this process' peak resident memory (VmHWM) to its current size (Linux /proc/self/clear_refs "5"),
/// so `peakRSSMegabytes()` measures from here; false where the kernel does not allow it.
@discardableResult
public func resetPeakRSS() -> Bool {
    guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? h.close() }
    return (try? h.write(contentsOf: Data("5".utf8))) != nil
}
