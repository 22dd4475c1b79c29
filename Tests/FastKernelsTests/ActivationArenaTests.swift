// ActivationArena: buffers of the same size come back; buffers twice the size asked for go back to the system
// (a CNN's early activations must not stay resident while its later layers run: the memory bound).
import XCTest
import FastKernels

final class ActivationArenaTests: XCTestCase {
    func testReusesFittingBuffersAndDropsOnesTwiceTheSize() {
        let arena = ActivationArena()
        let big = arena.take(1 << 20), other = arena.take(1 << 20)
        let bigPointer = big.pointer
        arena.give(big)
        arena.give(other)
        XCTAssertEqual(arena.freeBytes, 2 << 20)
        let again = arena.take(1 << 20)                      // same size: one of the two comes back
        XCTAssertTrue(again.pointer == bigPointer || again.pointer == other.pointer)
        XCTAssertEqual(arena.freeBytes, 1 << 20)
        let slightlySmaller = arena.take((1 << 20) - 4096)  // under twice: the free one is reused
        XCTAssertEqual(slightlySmaller.capacity, 1 << 20)
        XCTAssertEqual(arena.freeBytes, 0)
        arena.give(again)
        arena.give(slightlySmaller)
        let quarter = arena.take(1 << 18)                    // the free 1 MiB buffers are 4× this: dropped
        XCTAssertEqual(quarter.capacity, 1 << 18)
        XCTAssertEqual(arena.freeBytes, 0)
        arena.give(quarter)
        XCTAssertEqual(arena.freeBytes, 1 << 18)
    }
}
