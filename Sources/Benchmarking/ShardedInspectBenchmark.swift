import Commands
import Foundation

/// `convscope bench inspect-shards`: inspect of VGG16 saved by Keras as sharded weights (metadata, and --weights
/// statistics) against h5py walking the same shards, in the same run. The shards are made on demand by the pinned
/// Keras in a temporary folder and removed afterwards.
///
/// VGG16 with its classifier cannot be cut into 10 shards: Keras refuses a shard smaller than one variable, and fc1's
/// kernel alone is 411 MB of its 553 MB (3 shards at most). Its convolutional base (include_top=False, 14.7 M
/// parameters, 58.9 MB) at `max_shard_size` = 9 MiB, the size of block5's kernels, is 12 shards; 10 is not a count
/// Keras' rule produces for it at any size (the nearest are 12 and 7).
public enum ShardedInspectBenchmark {
    public static let maxShardBytes = 9 << 20

    public static func compare(repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-bench-shards-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try TFReference.run(["make-shards", "--out", dir.path, "--max-shard-bytes", "\(maxShardBytes)"])
        let manifest = dir.appendingPathComponent("vgg16.weights.json").path
        print("VGG16 conv base: \(made["params"]?.intValue ?? 0) parameters in \(made["shards"]?.intValue ?? 0) shards "
              + "(\(formatCount(made["bytes"]?.intValue ?? 0)) bytes), max_shard_size \(maxShardBytes) bytes, written by Keras \(made["env"]?["keras"]?.stringValue ?? "?")")
        try InspectBenchmark.measure(path: manifest, reference: "inspect-shards", what: "sharded ", repeats: repeats, skipReference: skipReference)
    }
}
