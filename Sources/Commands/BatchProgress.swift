import Foundation

/// A progress bar for batched library work that learns its total from the first report (`done`, `total`).
final class BatchProgress {
    private var bar: ProgressBar?
    private let label: String
    private let quiet: Bool

    init(_ label: String, quiet: Bool) { (self.label, self.quiet) = (label, quiet) }

    func update(_ done: Int, _ total: Int) {
        if bar == nil { bar = ProgressBar(total: total, label: label, quiet: quiet) }
        bar?.update(done)
    }
}
