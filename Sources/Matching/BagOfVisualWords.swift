// Bag of visual words — J. Sivic and A. Zisserman, "Efficient visual search of
// videos cast as text retrieval", TPAMI 31(4), 2009 (paper ref. [16]); Table 3.
// Descriptors are assigned to the nearest word (Euclidean). Weights, for image j
// and word w, with N dataset images and n_w = number of dataset images containing w:
//   .standard : tf = count(j, w) / Σ_w count(j, w)  (0 when the image has no words)
//               idf = ln(N / n_w)  (0 when n_w = 0)
//               x = sqrt(tf · idf), then x / ‖x‖₂ (zero vector stays zero)
//   .nnVisu   : the paper authors' code (kuredatan/nn-visu, utils/comp_fmaps.py):
//               idf = ln(N / (n_w + 1)), x = sqrt(count(j, w) · max(tf · idf, 1e-4)),
//               then L2 (the count is multiplied by the clamped tf-idf there);
//               a query's idf counts the query itself (N + 1 images).
// Queries use the dataset's idf (.standard). score = cosine of the two vectors
// (0 when either is the zero vector).
import Foundation

/// How term weights are computed (see the file header for the formulas).
public enum TFIDFScheme: String, Codable, Sendable, CaseIterable {
    /// tf = count / total, idf = ln(N / n_w).
    case standard
    /// The original experiment's variant: count · max(tf · ln(N / (n_w + 1)), 1e-4).
    case nnVisu
}

/// A vocabulary with the dataset's weighted histograms, ready to score queries.
public struct BagOfVisualWords: Sendable {
    /// Word centres, flat (wordCount x dimension).
    public let vocabulary: [Float]
    /// Descriptor length.
    public let dimension: Int
    /// Weighting scheme.
    public let scheme: TFIDFScheme
    /// Raw word counts per dataset image.
    public let counts: [[Int]]
    /// Normalised weighted histogram per dataset image.
    public let vectors: [[Double]]

    /// Number of visual words.
    public var wordCount: Int { vocabulary.count / dimension }

    /// Builds the dataset histograms for a given vocabulary.
    public init(vocabulary: [Float], dimension: Int = SIFTFeatures.dimension,
                dataset: [[Float]], scheme: TFIDFScheme = .standard) {
        self.vocabulary = vocabulary
        self.dimension = dimension
        self.scheme = scheme
        let k = vocabulary.count / dimension
        let counts = dataset.map { BagOfVisualWords.histogram($0, vocabulary: vocabulary, k: k, dimension: dimension) }
        self.counts = counts
        self.vectors = counts.map { BagOfVisualWords.weighted($0, collection: counts, scheme: scheme) }
    }

    /// Learns a k-word vocabulary from all dataset descriptors (k-means, seeded) and builds the histograms.
    public init(dataset: [[Float]], words k: Int = 10, seed: UInt64 = 0, dimension: Int = SIFTFeatures.dimension,
                scheme: TFIDFScheme = .standard) {
        let all = dataset.flatMap { $0 }
        let vocabulary = all.isEmpty ? [Float](repeating: 0, count: k * dimension)
            : KMeans.fit(points: all, dimension: dimension, k: k, seed: seed)
        self.init(vocabulary: vocabulary, dimension: dimension, dataset: dataset, scheme: scheme)
    }

    /// Word counts of a descriptor set (nearest word, Euclidean).
    public static func histogram(_ descriptors: [Float], vocabulary: [Float], k: Int, dimension: Int) -> [Int] {
        var h = [Int](repeating: 0, count: k)
        var nearest = [Int](repeating: 0, count: descriptors.count / dimension)
        KMeans.assign(descriptors, nearest.count, vocabulary, k, dimension, into: &nearest)
        for w in nearest { h[w] += 1 }
        return h
    }

    /// Weighted, square-rooted, L2-normalised vector of `counts` given the collection's document frequencies.
    static func weighted(_ counts: [Int], collection: [[Int]], scheme: TFIDFScheme) -> [Double] {
        let n = Double(collection.count)
        let total = Double(counts.reduce(0, +))
        var v = counts.indices.map { w -> Double in
            let tf = total > 0 ? Double(counts[w]) / total : 0
            let nw = Double(collection.filter { $0[w] > 0 }.count)
            switch scheme {
            case .standard:
                let idf = nw > 0 ? log(n / nw) : 0
                return (tf * idf).squareRoot()
            case .nnVisu:
                return (Double(counts[w]) * max(tf * log(n / (nw + 1)), 1e-4)).squareRoot()
            }
        }
        let norm = (v.reduce(0) { $0 + $1 * $1 }).squareRoot()
        if norm > 0 { v = v.map { $0 / norm } }
        return v
    }

    /// The query's weighted vector (dataset idf; `.nnVisu` counts the query as one more image).
    public func vector(forDescriptors descriptors: [Float]) -> [Double] {
        let h = BagOfVisualWords.histogram(descriptors, vocabulary: vocabulary, k: wordCount, dimension: dimension)
        switch scheme {
        case .standard: return BagOfVisualWords.weighted(h, collection: counts, scheme: scheme)
        case .nnVisu: return BagOfVisualWords.weighted(h, collection: [h] + counts, scheme: scheme)
        }
    }

    /// Cosine score of the query against every dataset image (input order).
    public func scores(forDescriptors descriptors: [Float]) -> [Double] {
        let q = vector(forDescriptors: descriptors)
        return vectors.map { BagOfVisualWords.cosine(q, $0) }
    }

    /// Cosine of two vectors; 0 when either has zero length.
    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
    }
}
