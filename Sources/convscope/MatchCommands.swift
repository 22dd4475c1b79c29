import ArgumentParser
import Commands
import Foundation
import Matching

struct MatchCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match query images against images with SIFT and/or Harris corners and RANSAC (the paper's Figures 6 and 7).",
        discussion: """
        Images are resized to 224x224 and converted to grey (0.299, 0.587, 0.114). SIFT (VLFeat): descriptor
        matches, RANSAC similarity from one match, 100 trials, 15 px. Harris: peaks with relative threshold
        0.001, pairs by the smallest Gaussian-weighted (sigma 3) SSD of 11x11 windows, RANSAC affine, 2 px.
        Matches are mutual nearest neighbours passing Lowe's ratio test (0.8 unless --ratio), and RANSAC refuses
        degenerate samples and models (fewer distinct points than the minimal sample, area scale outside 1/100..100).
        --paper keeps the authors' settings: every query feature's nearest neighbour (many-to-one matches kept),
        no ratio test unless --ratio, any RANSAC model.
        Several queries (--query repeated, or QUERY plus --query) add the Figure 6 statistics.
        """)

    @Argument(help: "Query image (e.g. a reconstructed input).") var query: String
    @Argument(help: "Images to match against.") var images: [String] = []
    @Option(help: "Folder of images to match against.") var dir: String?
    @Option(name: .customLong("query"), help: "More query images (Figure 6 needs several).") var moreQueries: [String] = []
    @Option(help: "Detector: SIFT, Harris corners, or both.") var method: MatchMethodChoice = .both
    @Option(help: "RANSAC model (default: similarity for SIFT, affine for Harris).") var ransac: ModelKind?
    @Option(help: "RANSAC trials.") var trials = 100
    @Option(help: "Inlier distance in pixels (default 15 for SIFT, 2 for Harris).") var threshold: Double?
    @Option(help: "Resize both images to this square size.") var size = 224
    @Option(help: "Lowe's ratio test (default 0.8; off with --paper).") var ratio: Double?
    @Flag(help: "The authors' matching: nearest neighbours (many-to-one kept), no ratio test, degenerate RANSAC models accepted.") var paper = false
    @Option(help: "Random seed for RANSAC.") var seed: UInt64 = 0
    @Option(help: "Write match plots (Figure 7) and contribution charts here (PNG file or folder).") var plot: String?
    @Flag(help: "Print JSON (Schemas/match.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws {
        if images.isEmpty && dir == nil { throw ValidationError("give IMAGE... or --dir DIR") }
        if let ratio, !(ratio > 0 && ratio <= 1) { throw ValidationError("--ratio \(ratio): must be in (0, 1]") }
    }

    func run() throws {
        try ConvScope.guarded {
            var others = images
            if let dir { others += try imageFiles(dir) }
            let r = try Match.run(queries: [query] + moreQueries, images: others, methods: method.methods, model: ransac,
                                  trials: trials, threshold: threshold, size: size, ratio: ratio, seed: seed, plot: plot,
                                  rule: paper ? .paper : .trusted)
            print(json ? try JSONOutput.string(r) : Match.render(r))
        }
    }
}

struct BoWCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "bow",
        abstract: "Bag of visual words: cosine score of each query against each dataset image (the paper's Table 3).",
        discussion: """
        SIFT descriptors of the dataset, a k-means vocabulary, tf-idf weighted histograms, element-wise square root,
        L2 normalisation; score = cosine. --scheme standard uses idf = ln(N / n_w); --scheme nn-visu follows the
        authors' code (idf = ln(N / (n_w + 1)), weight = count * max(tf*idf, 1e-4), query counted among the images),
        which is what gives the paper's ~0.95 scores: with 10 words almost every word occurs in every image, so the
        standard idf is 0.
        """)

    @Argument(help: "Query images.") var queries: [String]
    @Option(help: "Dataset folder.") var dir: String
    @Option(help: "Vocabulary size.") var words = 10
    @Option(help: "tf-idf weighting: the textbook one, or the authors' code's.") var scheme: BoWScheme = .nnVisu
    @Option(help: "Resize to this square size.") var size = 224
    @Option(help: "Random seed for k-means.") var seed: UInt64 = 0
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let r = try Match.bow(queries: queries, dataset: try imageFiles(dir), words: words, seed: seed, scheme: scheme.scheme, size: size)
            if json { print(try JSONOutput.string(r)); return }
            for q in r.queries { print(String(format: "%@: best %@ score %.4f", q.name as NSString, q.bestImage as NSString, q.bestScore)) }
            print(String(format: "mean of best scores %.4f, median %.4f", r.meanBestScore, r.medianBestScore))
        }
    }
}

/// PNG/JPEG files of a folder, sorted by name.
func imageFiles(_ dir: String) throws -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { throw CommandError("\(dir): not a folder") }
    return try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
        .map { (dir as NSString).appendingPathComponent($0) }
}
