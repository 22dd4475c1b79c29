import FuzzSupport
import TensorBundle

/// TensorFlow bundle indexes (`.index`, a LevelDB table of BundleEntryProto): footer, blocks, checksums,
/// entries; then every numeric tensor read against a fixed data file and the object graph's strings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = FuzzInput.file(data, size, name: "ckpt.index")
    let shard = [UInt8](repeating: 0x3F, count: 64)
    shard.withUnsafeBufferPointer { _ = FuzzInput.file($0.baseAddress!, $0.count, name: "ckpt.data-00000-of-00001") }
    guard let b = try? TensorBundle(prefix: FuzzInput.folder + "/ckpt") else { return 0 }
    for e in b.entries {
        if e.dtype == .string { _ = try? b.strings(e.key) } else { _ = try? b.floats(e) }
    }
    return 0
}

runLibFuzzer(fuzz)
