import FuzzSupport
import Imaging

/// `.npy` bytes through `NPY.decode` (header parser, dtype conversion, Fortran order).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? NPY.decode(FuzzInput.data(data, size), byteLimit: 64 << 20)
    return 0
}

runLibFuzzer(fuzz)
