import Foundation
import FuzzSupport
import KerasIO

/// SavedModel protobufs: the input as `saved_model.pb` (meta graph, object graph, signatures, TF 2.0–2.4
/// metadata), then as `keras_metadata.pb` beside a minimal saved_model.pb; the metadata JSON parsed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let a = FuzzInput.folder + "/sm_a", b = FuzzInput.folder + "/sm_b"
    for d in [a, b] { try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
    let input = FuzzInput.data(data, size)
    try? input.write(to: URL(fileURLWithPath: a + "/saved_model.pb"))
    _ = try? KerasFile.open(a, loadValues: false)
    // SavedModel{meta_graphs: [MetaGraphDef{}]}
    try? Data([0x12, 0x00]).write(to: URL(fileURLWithPath: b + "/saved_model.pb"))
    try? input.write(to: URL(fileURLWithPath: b + "/keras_metadata.pb"))
    _ = try? KerasFile.open(b, loadValues: false)
    return 0
}

runLibFuzzer(fuzz)
