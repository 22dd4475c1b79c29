import Foundation
import Tensor
import TestSupport
import XCTest

/// `Tensor(zeros:)` is zero whatever the allocator hands back. Gradient buffers accumulate into it
/// (col2im, pooling backward); above 32 MiB it used to rely on glibc serving fresh, kernel-zeroed
/// mappings. Here glibc fills every allocation with a perturbation byte (`M_PERTURB`, as
/// `MALLOC_PERTURB_` does), so memory that is not cleared by contract shows up as garbage.
final class ZeroFilledTests: XCTestCase {
    /// glibc's `mallopt(M_PERTURB, byte)` (`PerturbingAllocator`); false where there is no such knob.
    @discardableResult
    static func perturb(_ byte: Int32) -> Bool { PerturbingAllocator.fill(byte) }

    override func setUp() { Self.perturb(0xA5) }
    override func tearDown() { Self.perturb(0) }

    func testLargeZerosAreZeroUnderAPerturbingAllocator() {
        for count in [(32 << 20) / 4 + 1, 10_000_003, 3 << 20] {
            let t = Tensor(zeros: [count])
            XCTAssertNil(t.data.firstIndex { $0 != 0 }, "\(count) values: not all zero")
        }
    }

    /// col2im (the convolution backward's input gradient) accumulating twice into a 36 MiB buffer.
    func testLargeCol2ImAccumulationStartsFromZero() {
        let g = ConvGeometry(inH: 1024, inW: 1024, channels: 9, kH: 1, kW: 1, padding: .valid)
        let cols = [Float](repeating: 1, count: g.patches * g.patchSize)
        var dx = Tensor(zeros: [1, g.inH, g.inW, g.channels])
        XCTAssertGreaterThan(dx.count * 4, 32 << 20)
        cols.withUnsafeBufferPointer { c in
            dx.data.withUnsafeMutableBufferPointer { d in
                Im2Col.backward(g, cols: c.baseAddress!, dx: d.baseAddress!)
                Im2Col.backward(g, cols: c.baseAddress!, dx: d.baseAddress!)
            }
        }
        XCTAssertNil(dx.data.firstIndex { $0 != 2 }, "accumulated gradient is not 2 everywhere")
    }
}
