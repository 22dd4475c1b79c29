import Tensor
import XCTest

/// The OpenBLAS kernel the first command picks by itself (`BLASCore.guessedCore`) when nothing is recorded.
final class BLASCoreTests: XCTestCase {
    func testTheGuessFollowsTheCPUFlagsOnlyWhenDetectionFellBack() {
        let avx512 = Set(["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])
        // OpenBLAS 0.3.21 takes some AVX-512 Xeons for Prescott: the flags' kernel instead.
        XCTAssertEqual(BLASCore.guessedCore(flags: avx512, detected: "Prescott"), "SkylakeX")
        XCTAssertEqual(BLASCore.guessedCore(flags: avx512.union(["avx512_bf16"]), detected: "Prescott"), "Cooperlake")
        XCTAssertEqual(BLASCore.guessedCore(flags: avx512, detected: "Haswell"), "SkylakeX")
        // Detection as new as the flags allow: left alone.
        XCTAssertNil(BLASCore.guessedCore(flags: avx512, detected: "SkylakeX"))
        XCTAssertNil(BLASCore.guessedCore(flags: avx512.union(["avx512_bf16"]), detected: "COOPERLAKE"))
        // AVX2 machines (Zen 2/3, Haswell … ): Haswell unless detection found an AVX2 kernel.
        let avx2 = Set(["sse4_2", "avx", "avx2", "fma"])
        XCTAssertEqual(BLASCore.guessedCore(flags: avx2, detected: "Nehalem"), "Haswell")
        XCTAssertNil(BLASCore.guessedCore(flags: avx2, detected: "Zen"))
        XCTAssertNil(BLASCore.guessedCore(flags: avx2, detected: "Haswell"))
        // Older CPUs: no guess (OpenBLAS' detection stands).
        XCTAssertNil(BLASCore.guessedCore(flags: ["sse4_2", "avx"], detected: "Sandybridge"))
        XCTAssertNil(BLASCore.guessedCore(flags: [], detected: "Prescott"))
    }

    func testTheLoadedKernelPassesTheCheckAGuessIsKeptBy() {
        XCTAssertTrue(BLASCore.productsAreCorrect(), "loaded kernel \(Threading.blasCore)")
    }
}
