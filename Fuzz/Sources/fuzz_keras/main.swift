import FuzzSupport
import KerasIO

/// `.keras` zip archives: entries checked, config.json/metadata.json parsed, model.weights.h5 opened.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.keras")
    guard KerasFileGuard.admits(path) else { return 0 }
    if let f = try? KerasFile.open(path, loadValues: true) { _ = f.model?.graph.nodes.count }
    return 0
}

runLibFuzzer(fuzz)
