import FileSupport
import Foundation
import MemoryLimit

/// CIFAR-10 binary batches (`data_batch_N.bin`, `test_batch.bin`): records of one label
/// byte followed by 3072 bytes of 32×32 pixels as a red plane, a green plane, a blue plane.
public enum CIFAR10 {
    /// Bytes per record.
    public static let recordSize = 1 + 3 * 32 * 32
    /// Class names by label index.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    /// Reads a batch file into RGB images and labels (0…9); a file whose images would need more than
    /// `byteLimit` bytes is refused before it is read.
    public static func read(_ path: String, byteLimit: Int = MemoryLimit.bytes) throws -> (images: [Image], labels: [Int]) {
        if let refusal = refusal(fileBytes: WholeFileRead.size(of: path), limit: byteLimit) { throw ImagingError(.tooLarge, refusal, path: path) }
        return try WholeFileDecode.decode(path) { try decode($0, byteLimit: byteLimit) }
    }

    /// Parses batch bytes; the size must be a positive multiple of 3073.
    public static func decode(_ data: Data, byteLimit: Int = MemoryLimit.bytes) throws -> (images: [Image], labels: [Int]) {
        guard !data.isEmpty, data.count % recordSize == 0 else {
            throw ImagingError(.corrupt, "size \(data.count) is not a multiple of the \(recordSize)-byte CIFAR-10 record")
        }
        if let refusal = refusal(fileBytes: data.count, limit: byteLimit) { throw ImagingError(.tooLarge, refusal) }
        let plane = 32 * 32
        var images = [Image]()
        var labels = [Int]()
        let n = data.count / recordSize
        images.reserveCapacity(n)
        labels.reserveCapacity(n)
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            for r in 0..<n {
                let base = r * recordSize
                let label = Int(b[base])
                guard label < classNames.count else {
                    throw ImagingError(.corrupt, "record \(r) has label \(label); CIFAR-10 labels are 0…9")
                }
                var pixels = [Float](repeating: 0, count: 3 * plane)
                for i in 0..<plane {
                    for c in 0..<3 { pixels[3 * i + c] = Float(b[base + 1 + c * plane + i]) }
                }
                images.append(Image(width: 32, height: 32, channels: 3, pixels: pixels))
                labels.append(label)
            }
        }
        return (images, labels)
    }

    /// Why a batch of `fileBytes` is refused: the file's bytes plus every record as a `Float` image.
    static func refusal(fileBytes: Int, limit: Int) -> String? {
        let floatBytes = (recordSize - 1) * MemoryLayout<Float>.size
        let needed = DeclaredSize.sum([fileBytes, DeclaredSize.product([fileBytes / recordSize, floatBytes])])
        return MemoryLimit.refusal("CIFAR-10 batch of \(fileBytes / recordSize) records", declares: needed,
                                   detail: "\(recordSize) bytes each in the file, \(floatBytes) as float32 pixels", limit: limit)
    }
}
