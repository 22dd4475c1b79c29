import XCTest
@testable import Graph
import Tensor

/// A weight placeholder leaves its whole pages untouched above 16 KiB (inspect builds every layer without loading
/// values); it is zero by contract all the same, also in a heap chunk another array dirtied just before.
final class WeightPlaceholderTests: XCTestCase {
    func testPlaceholdersAreZeroInReusedDirtyMemory() throws {
        // Odd sizes around the thresholds (16 KiB, 1 MiB) and off page boundaries.
        for count in [1, 1023, 4095, 4097, 12_289, 70_001, 262_143, 262_145, 300_007] {
            for _ in 0..<3 {
                // Dirty a chunk of the same size and free it, so the placeholder may well reuse it.
                var dirty = [Float](repeating: 7, count: count)
                dirty[count / 2] = -1
                XCTAssertEqual(dirty.count, count)
                dirty = []
                let variable = try WeightVariable(name: "kernel", shape: [count], trainable: true)
                XCTAssertEqual(variable.value.count, count)
                XCTAssertTrue(variable.value.data.allSatisfy { $0 == 0 }, "count \(count)")
                let filled = Tensor.zeroFilled(count, untouchedAbove: 0)
                XCTAssertTrue(filled.allSatisfy { $0 == 0 }, "count \(count), every page untouched")
            }
        }
    }
}
