import Foundation
import MemoryLimit

/// Readers that load a file whole refuse it first when its length alone is over the memory limit.
enum WholeFileRead {
    /// The file's length in bytes; 0 when it cannot be read (the read that follows reports why).
    static func size(of path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    static func check(_ path: String, limit: Int) throws {
        if let refusal = MemoryLimit.refusal("file", declares: size(of: path), verb: "is", limit: limit) {
            throw ImagingError(.tooLarge, refusal, path: path)
        }
    }
}
