import Foundation
import Imaging
import Tensor

/// Labelled images for training: a lazily loaded list of samples with class indices.
///
/// Images are produced on demand by a closure (decode + resize for folders, a lookup for arrays),
/// so a dataset of files costs only its paths until a batch needs them. Subsets (`split`,
/// `subset`) share the loader and keep their own index lists.
public struct Dataset {
    /// Number of classes of the model's output (one-hot width).
    public let classCount: Int
    /// Class names by index (folder names, or "0" … "N-1").
    public let classNames: [String]
    /// Class index of each sample, in sample order.
    public private(set) var labels: [Int]
    /// Where each sample comes from (a file, or an array row), for messages.
    public private(set) var sources: [String]
    private var rows: [Int]
    private let loader: (Int) throws -> Image

    public var count: Int { labels.count }

    /// A dataset over `count` samples where `load(i)` returns sample i's image.
    public init(classCount: Int, classNames: [String]? = nil, labels: [Int], sources: [String]? = nil,
                load: @escaping (Int) throws -> Image) throws {
        for (i, l) in labels.enumerated() where l < 0 || l >= classCount {
            throw TrainingError.badData("sample \(i) has class \(l), outside 0..<\(classCount)")
        }
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map(String.init)
        self.labels = labels
        self.sources = sources ?? labels.indices.map { "sample \($0)" }
        self.rows = Array(labels.indices)
        self.loader = load
    }

    /// Image of sample `i` of this (sub)set.
    public func image(_ i: Int) throws -> Image { try loader(rows[i]) }

    /// The samples at `indices` (in that order).
    public func subset(_ indices: [Int]) -> Dataset {
        var d = self
        d.rows = indices.map { rows[$0] }
        d.labels = indices.map { labels[$0] }
        d.sources = indices.map { sources[$0] }
        return d
    }

    /// Keras `fit(validation_split=f)`: samples from `split_at = floor(n · (1 − f))` to the end
    /// are validation, taken before any shuffling
    /// (keras/src/trainers/data_adapters/array_slicing.py::train_validation_split).
    public func split(validationFraction f: Double) throws -> (train: Dataset, validation: Dataset) {
        guard f >= 0 && f < 1 else { throw TrainingError.badArgument("validation split must be in [0, 1), got \(f)") }
        let at = Int((Double(count) * (1 - f)).rounded(.down))
        return (subset(Array(0..<at)), subset(Array(at..<count)))
    }

    /// The sample order of `epoch`: a Fisher–Yates shuffle seeded by (seed, epoch), so any epoch's
    /// order can be recomputed on resume without replaying earlier ones.
    public func order(epoch: Int, seed: UInt64, shuffle: Bool = true) -> [Int] {
        var idx = Array(0..<count)
        guard shuffle else { return idx }
        var rng = SeededRandom(seed: Self.mix(seed, UInt64(epoch), 0x5348_5546))   // "SHUF"
        idx.shuffle(using: &rng)
        return idx
    }

    /// A batch: NHWC images through `preprocess` (after `augment`, if given) and one-hot labels.
    /// `preprocess` returns (H, W, C) or (1, H, W, C).
    public func batch(_ indices: [Int], preprocess: (Image) throws -> Tensor,
                      augment: ((Image) -> Image)? = nil) throws -> (x: Tensor, y: Tensor) {
        var items: [Tensor] = []
        items.reserveCapacity(indices.count)
        for i in indices {
            var img: Image
            do { img = try image(i) } catch { throw TrainingError.badData("\(sources[i]): \(error)") }
            if let augment { img = augment(img) }
            let t = try preprocess(img)
            if let first = items.first, first.count != t.count {
                throw TrainingError.badData("\(sources[i]): preprocessed to \(t.shape), other images to \(first.shape)")
            }
            items.append(t)
        }
        return (Tensor.stack(items), CategoricalCrossEntropy.oneHot(indices.map { labels[$0] }, classCount: classCount))
    }

    /// Combines words into one seed (SplitMix64 finaliser over a running hash).
    static func mix(_ words: UInt64...) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3
        for w in words {
            h ^= w &+ 0x9E37_79B9_7F4A_7C15 &+ (h << 6) &+ (h >> 2)
            h = SplitMix64.mix(h)
        }
        return h
    }
}

extension Dataset {
    /// File extensions Keras' `flow_from_directory` accepts (its `white_list_formats`).
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"]

    /// One subfolder per class; class index = position in the sorted subfolder names, as
    /// `flow_from_directory` does. Files within a class are taken in sorted order, classes in order.
    /// `loadImage` decodes a file; `resize` brings it to the model's input size.
    public static func directory(_ root: URL, loadImage: @escaping (URL) throws -> Image,
                                 resize: @escaping (Image) throws -> Image = { $0 }) throws -> Dataset {
        let fm = FileManager.default
        let entries: [URL]
        do { entries = try fm.contentsOfDirectory(at: root, includingPropertiesForKeys: [.isDirectoryKey]) } catch {
            throw TrainingError.badData("cannot list '\(root.path)': \(error.localizedDescription)")
        }
        let classDirs = entries.filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        guard !classDirs.isEmpty else { throw TrainingError.badData("'\(root.path)' has no class subfolders") }
        var files: [URL] = [], labels: [Int] = []
        for (k, dir) in classDirs.enumerated() {
            for f in try imageFiles(in: dir) { files.append(f); labels.append(k) }
        }
        guard !files.isEmpty else { throw TrainingError.badData("'\(root.path)' has no images (\(imageExtensions.sorted().joined(separator: ", ")))") }
        return try Dataset(classCount: classDirs.count, classNames: classDirs.map(\.lastPathComponent), labels: labels,
                           sources: files.map(\.path)) { try resize(loadImage(files[$0])) }
    }

    /// Every image of one folder (recursively) labelled `classIndex` of a `classCount`-way model,
    /// e.g. retraining an ImageNet model on one synset (`--label 284`).
    public static func singleClass(_ folder: URL, classIndex: Int, classCount: Int, classNames: [String]? = nil,
                                   loadImage: @escaping (URL) throws -> Image,
                                   resize: @escaping (Image) throws -> Image = { $0 }) throws -> Dataset {
        guard classIndex >= 0 && classIndex < classCount else {
            throw TrainingError.badArgument("label \(classIndex) is outside 0..<\(classCount) of the model's output")
        }
        let files = try imageFiles(in: folder)
        guard !files.isEmpty else { throw TrainingError.badData("'\(folder.path)' has no images") }
        return try Dataset(classCount: classCount, classNames: classNames, labels: [Int](repeating: classIndex, count: files.count),
                           sources: files.map(\.path)) { try resize(loadImage(files[$0])) }
    }

    /// CIFAR-10-style arrays: images (N, H, W, C) as values 0…255, labels 0..<classCount.
    public static func arrays(images: Tensor, labels: [Int], classCount: Int = 10, classNames: [String]? = nil) throws -> Dataset {
        guard images.rank == 4, images.shape[0] == labels.count else {
            throw TrainingError.badData("images \(images.shape) do not match \(labels.count) labels (want (N, H, W, C))")
        }
        let h = images.shape[1], w = images.shape[2], c = images.shape[3], n = h * w * c
        let data = images.data
        return try Dataset(classCount: classCount, classNames: classNames ?? (classCount == 10 ? CIFAR10.classNames : nil),
                           labels: labels, sources: labels.indices.map { "image \($0)" }) { i in
            Image(width: w, height: h, channels: c, pixels: Array(data[(i * n)..<((i + 1) * n)]))
        }
    }

    /// Image files directly in `dir` and its subfolders (as `flow_from_directory`, which follows
    /// subfolders of a class folder), sorted by path.
    static func imageFiles(in dir: URL) throws -> [URL] {
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw TrainingError.badData("cannot list '\(dir.path)'")
        }
        var out: [URL] = []
        for case let u as URL in e where imageExtensions.contains(u.pathExtension.lowercased()) { out.append(u) }
        return out.sorted { $0.path < $1.path }
    }
}
