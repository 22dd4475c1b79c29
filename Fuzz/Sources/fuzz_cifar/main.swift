import FuzzSupport
import Imaging

/// CIFAR-10 binary batches through `CIFAR10.decode`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? CIFAR10.decode(FuzzInput.data(data, size))
    return 0
}

runLibFuzzer(fuzz)
