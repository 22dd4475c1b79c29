import CHDF5
import MemoryLimit

extension H5Dataset {
    /// Every element of a bfloat16 dataset widened to `Float` (exact: bfloat16 is the upper half of a float32).
    ///
    /// HDF5 has no bfloat16 type: h5py stores it (Keras 3, `ml_dtypes.bfloat16`) as a 2-byte opaque type that
    /// HDF5 cannot convert, so the raw little-endian 2-byte words are read as they are and shifted into place.
    /// The caller decides the dataset is bfloat16 (Keras tags it `dtype="bfloat16"`); this checks that its
    /// elements really are 2 bytes of an opaque or 8-bit-exponent float type before reading anything.
    public func readBFloat16(byteLimit: Int = MemoryLimit.bytes) throws -> [Float] {
        guard elementSize == 2 else {
            throw location.error("is tagged bfloat16 but stores \(elementSize)-byte elements (\(dtype)); bfloat16 has 2; refusing it")
        }
        switch dtype {
        case .other("opaque"), .other("bfloat16"): break
        default: throw location.error("is tagged bfloat16 but stores \(dtype) elements; refusing it")
        }
        if let refusal = MemoryLimit.refusal("dataset of \(elementCount) bfloat16 elements",
                                             declares: DeclaredSize.product([elementCount, MemoryLayout<Float>.stride]),
                                             detail: "as 4-byte values", limit: byteLimit) {
            throw location.error(refusal)
        }
        guard elementCount > 0 else { return [] }
        let id = handle.id
        let fileType = try check(location, "cannot read dataset type") { H5Dget_type(id) }
        defer { release(fileType, H5Tclose) }
        var words = [UInt16](repeating: 0, count: elementCount)
        try words.withUnsafeMutableBytes { raw in
            // Same type in memory as in the file: HDF5 copies the bytes without conversion.
            try check(location, "cannot read data") {
                H5Dread(id, fileType, cs_H5S_ALL(), cs_H5S_ALL(), cs_H5P_DEFAULT(), raw.baseAddress)
            }
        }
        return words.map { Float(bitPattern: UInt32(UInt16(littleEndian: $0)) << 16) }
    }
}
