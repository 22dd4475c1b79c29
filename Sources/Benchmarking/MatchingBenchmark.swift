// Timing of the matching pipeline for `convscope bench matching`, on the
// deterministic `SyntheticScene` images that Benchmarks/matching_bench.py also
// draws (so OpenCV / scikit-image timings are on the same inputs):
//  - sift_pair: SIFT extraction of two 224x224 scenes + nearest-neighbour matching;
//  - sift_pair_ransac: the same plus RANSAC (one-match similarity, 100 trials, 15 px);
//  - harris_pair: Harris corners of both + window-SSD pairing + affine RANSAC;
//  - bow_30: SIFT of 30 scenes, 10-word k-means vocabulary, histograms, then SIFT
//    of one query scene (seed 1) and its cosine scores against the 30.
// Each value is the median wall-clock time in seconds over `repeats` runs. The
// Python counterparts are opencv_sift_pair, skimage_sift_pair and opencv_bow_30.
import Foundation
import Graph
import Imaging
import Matching
import Tensor

/// Matching benchmarks on synthetic scenes.
public enum MatchingBenchmark {
    /// Seeds of the two scenes of the pair benchmarks.
    public static let pairSeeds: (UInt64, UInt64) = (1, 2)
    /// Seeds of the 30 BoW scenes.
    public static let bowSeeds: [UInt64] = Array(100..<130)

    /// Runs every benchmark `repeats` times; returns median seconds by name.
    public static func run(repeats: Int = 5) -> [String: Double] {
        let a = SyntheticScene.image(seed: pairSeeds.0), b = SyntheticScene.image(seed: pairSeeds.1)
        let bowImages = bowSeeds.map { SyntheticScene.image(seed: $0) }
        var result: [String: Double] = [:]
        result["sift_pair"] = median(repeats) {
            let f = SIFT.extract([GreyImage(a), GreyImage(b)])
            _ = DescriptorMatcher.match(query: f[0].descriptors, train: f[1].descriptors)
        }
        let siftOptions = MatchOptions(method: .sift)
        result["sift_pair_ransac"] = median(repeats) {
            _ = matchQuery(query: a, against: [(name: "b", image: b)], options: siftOptions)
        }
        result["harris_pair"] = median(repeats) {
            _ = matchQuery(query: a, against: [(name: "b", image: b)], options: MatchOptions(method: .harris))
        }
        result["bow_30"] = median(repeats) {
            let named = bowImages.enumerated().map { (name: "scene\($0.offset)", image: $0.element) }
            _ = bowScores(queries: [(name: "query", image: a)], dataset: named)
        }
        return result
    }

    /// `convscope bench matching`: `run` against OpenCV and scikit-image (Benchmarks/matching_bench.py) on the same scenes.
    /// Both sides run at `threads` threads (Threading.set here, cv2.setNumThreads there); the SIFT settings
    /// are the same (3 levels per octave, first octave -1 = image doubled, contrast 0.04 / 3, edge 10).
    public static func compare(repeats: Int, threads: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        Threading.set(threads)
        let ours = run(repeats: repeats)
        let ref: JSON? = skipReference ? nil
            : try TFReference.run(["--repeats", "\(repeats)", "--threads", "\(threads)"], script: "matching_bench.py")
        let counts = [pairSeeds.0, pairSeeds.1].map { SIFT.extract(GreyImage(SyntheticScene.image(seed: $0))).count }
        let opencvCounts = (ref?["opencv_keypoints"]?.arrayValue ?? []).compactMap(\.doubleValue).map { Int($0) }
        let opencvThreads = ref?["threads"]?.doubleValue.map { ", cv2.getNumThreads() \(Int($0))" } ?? ""
        print("threads \(threads) (ConvScope and OpenCV\(opencvThreads)); SIFT: 3 levels/octave, first octave -1 (doubled), contrast 0.04/3, edge 10;"
              + " features of scenes 1 and 2: ConvScope (VLFeat) \(counts)" + (opencvCounts.isEmpty ? "" : ", OpenCV \(opencvCounts)"))
        let sift = ours["sift_pair"]!
        report("SIFT pair + NN matching (vs OpenCV)", convscope: sift, tf: ref?["opencv_sift_pair"]?.doubleValue, reference: "OpenCV")
        report("SIFT pair + NN matching (vs scikit-image)", convscope: sift, tf: ref?["skimage_sift_pair"]?.doubleValue,
               reference: "skimage")
        report("BoW over 30 images (vs OpenCV + cv2.kmeans)", convscope: ours["bow_30"]!, tf: ref?["opencv_bow_30"]?.doubleValue,
               reference: "OpenCV")
        report("SIFT pair + RANSAC similarity", convscope: ours["sift_pair_ransac"]!, tf: nil)
        report("Harris pair + RANSAC affine", convscope: ours["harris_pair"]!, tf: nil)
    }

    /// Median wall-clock seconds of `body` over `repeats` runs.
    static func median(_ repeats: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }
}
