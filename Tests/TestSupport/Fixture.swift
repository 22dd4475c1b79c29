import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import XCTest

/// Paths into the package's Fixtures folder and comparison helpers.
public enum Fixture {
    public static let root = Repository.root.appendingPathComponent("Fixtures")

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    public static func json(_ relative: String) throws -> JSON {
        try JSONParser().parse(String(contentsOfFile: path(relative), encoding: .utf8))
    }

    public static func npy(_ relative: String) throws -> Tensor { try NPY.read(path(relative)) }

    /// max |a − b| / max |b|: the error relative to the largest expected magnitude of the tensor.
    public static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.count == b.count, "relativeError: sizes \(a.shape) vs \(b.shape)")
        var maxDiff = 0.0, maxRef = 0.0
        for i in 0..<a.count {
            maxDiff = max(maxDiff, abs(Double(a.data[i]) - Double(b.data[i])))
            maxRef = max(maxRef, abs(Double(b.data[i])))
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef
    }

    public static func maxAbsDiff(_ a: Tensor, _ b: Tensor) -> Double {
        precondition(a.count == b.count)
        return zip(a.data, b.data).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
    }

    /// A large file from Fixtures/cache. Missing files are a failure, never a silent skip.
    public static func cached(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let p = path("cache/" + name)
        guard FileManager.default.fileExists(atPath: p) else {
            XCTFail("Fixtures/cache/\(name) is missing: run scripts/test.sh (it generates the large fixtures with "
                    + "`Fixtures/generate.py --only \"\" --large`)", file: file, line: line)
            return nil
        }
        return p
    }

    /// The graph of a full Keras model file.
    public static func graph(_ relative: String) throws -> Graph {
        guard let model = try KerasFile.open(path(relative)).model else {
            throw GraphError.badInput("\(relative) has no architecture")
        }
        return model.graph
    }
}
