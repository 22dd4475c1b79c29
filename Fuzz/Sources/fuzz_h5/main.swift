import FuzzSupport
import KerasIO

/// Keras HDF5 files (legacy full models, weights-only, Keras 3 .h5): `KerasFile.open` with values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.h5")
    guard KerasFileGuard.admits(path) else { return 0 }
    if let f = try? KerasFile.open(path, loadValues: true) { _ = f.model?.graph.nodes.count }
    return 0
}

runLibFuzzer(fuzz)
