import Foundation
import Training

/// A one-line progress bar on stderr for long work (training, maximization, experiments).
/// Draws only when stderr is a terminal, otherwise prints a line every few percent,
/// so logs stay readable.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let start = Date()
    private let isTTY = isatty(STDERR_FILENO) == 1
    private var lastPrinted = -1
    private let quiet: Bool

    public init(total: Int, label: String, quiet: Bool = false) {
        self.total = max(total, 1)
        self.label = label
        self.quiet = quiet
    }

    /// Updates the bar to `done` of `total`, with a short status such as "loss 0.312".
    public func update(_ done: Int, status: String = "") {
        guard !quiet else { return }
        let fraction = Double(min(done, total)) / Double(total)
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "%@ %@ %d/%d %@ %.1fs left", label, bar, done, total, status, eta)
        if isTTY {
            FileHandle.standardError.write(("\r\u{1B}[K" + line).data(using: .utf8)!)
            if done >= total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        } else {
            let step = Int(fraction * 10)
            if step != lastPrinted || done >= total {
                lastPrinted = step
                FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
            }
        }
    }
}

/// Writes a line to stderr.
public func printError(_ s: String) {
    FileHandle.standardError.write((s + "\n").data(using: .utf8)!)
}

extension Trainer {
    /// One progress bar per epoch on stderr (`LABELepoch E/N`), with the running loss, accuracy and speed.
    public func showProgress(batchesPerEpoch batches: Int, label: String = "", quiet: Bool) {
        var bar: ProgressBar?
        var barEpoch = -1
        onBatch = { p in
            if p.epoch != barEpoch {
                barEpoch = p.epoch
                bar = ProgressBar(total: batches, label: "\(label)epoch \(p.epoch + 1)/\(p.epochs)", quiet: quiet)
            }
            bar?.update(p.batch + 1, status: String(format: "loss %.4f acc %.3f %.0f img/s", p.loss, p.accuracy, p.imagesPerSecond))
        }
    }
}
