import FuzzSupport
import Graph
import KerasIO
import Zoo

/// Weights-only files (`.weights.h5`, legacy weights h5): opened, then attached to a built-in model.
private let target: Graph = try! Zoo.graph(named: "conv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = FuzzInput.file(data, size, name: "input.weights.h5")
    guard KerasFileGuard.admits(path) else { return 0 }
    _ = try? KerasFile.open(path, loadValues: true)
    _ = try? KerasFile.attach(weightsFile: path, to: target)
    return 0
}

runLibFuzzer(fuzz)
