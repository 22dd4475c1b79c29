import Foundation
import Imaging

/// Where training images come from.
public enum TrainData: Equatable, Sendable {
    /// One subfolder per class (or, with `label`, one folder of a single class).
    case folder(String)
    /// CIFAR-10 binary batches `data_batch_1.bin` … `data_batch_5.bin` in a folder.
    case cifar10(String)

    /// `DIR` or `cifar10:DIR`.
    public init(_ s: String) {
        if s.lowercased().hasPrefix("cifar10:") { self = .cifar10(String(s.dropFirst("cifar10:".count))) } else { self = .folder(s) }
    }
}

extension Dataset {
    /// The images of `data` for a model with `classes` outputs, each made what the model sees by `resize`;
    /// `label` gives every image that class.
    public static func load(_ data: TrainData, label: Int?, classCount classes: Int,
                            resize: @escaping (Image) -> Image) throws -> Dataset {
        switch data {
        case .folder(let dir):
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
                throw TrainingError.badData("\(dir): not a folder")
            }
            let url = URL(fileURLWithPath: dir)
            let load = { (url: URL) throws -> Image in try ImageFile.load(url.path) }
            if let label {
                return try singleClass(url, classIndex: label, classCount: classes, loadImage: load, resize: resize)
            }
            let d = try directory(url, loadImage: load, resize: resize)
            guard d.classCount == classes else {
                throw TrainingError.badData("\(dir): \(d.classCount) class folder(s) but the model has \(classes) outputs; "
                                            + "for one class of a larger model use --label CLASS_ID")
            }
            return d
        case .cifar10(let dir):
            return try cifar10(dir, label: label, classCount: classes, resize: resize)
        }
    }

    /// CIFAR-10's binary batches `data_batch_1.bin` … `data_batch_5.bin` of `dir` (those present).
    public static func cifar10(_ dir: String, label: Int?, classCount classes: Int, resize: @escaping (Image) -> Image) throws -> Dataset {
        var images: [Image] = [], labels: [Int] = []
        let files = (1...5).map { (dir as NSString).appendingPathComponent("data_batch_\($0).bin") }
            .filter { FileManager.default.fileExists(atPath: $0) }
        guard !files.isEmpty else { throw TrainingError.badData("\(dir): no CIFAR-10 batches (data_batch_1.bin … data_batch_5.bin)") }
        for f in files {
            let (im, lb) = try CIFAR10.read(f)
            images += im
            labels += lb
        }
        if let label { labels = labels.map { _ in label } }
        guard labels.allSatisfy({ $0 < classes }) else { throw TrainingError.badData("CIFAR-10 labels do not fit the model's \(classes) outputs") }
        let names = classes == 10 ? CIFAR10.classNames : nil
        return try Dataset(classCount: classes, classNames: names, labels: labels,
                           sources: images.indices.map { "\(files[0]) image \($0)" }) { resize(images[$0]) }
    }
}
