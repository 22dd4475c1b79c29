import FuzzSupport
import Imaging

/// JPEG bytes through `JPEGCodec.decode` (libjpeg behind the C shim) and `ImageFile.decode`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let d = FuzzInput.data(data, size)
    _ = try? JPEGCodec.decode(d, byteLimit: 64 << 20)
    _ = try? ImageFile.decode(d, byteLimit: 64 << 20)
    return 0
}

runLibFuzzer(fuzz)
