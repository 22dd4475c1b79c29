import CHDF5

/// A 2-byte floating-point layout a dataset can be stored in.
public enum H5HalfPrecision: String, Sendable {
    /// IEEE binary16, as h5py writes numpy's float16 (fields 15, 10, 5, 0, 10; exponent bias 15).
    case float16
    /// bfloat16 as Keras 3 writes it through h5py: a 2-byte opaque type; the caller tags it `dtype="bfloat16"`.
    case bfloat16
}

extension H5Group {
    /// Creates a dataset of `shape` storing `floats` as 2-byte values (rounded to nearest, ties to even).
    /// The values are converted here and written with the file type as memory type, so HDF5 copies bytes.
    @discardableResult
    public func createDataset(name: String, shape: [Int], floats: [Float], storedAs half: H5HalfPrecision) throws -> H5Dataset {
        let target = objectLocation(name)
        let type: hid_t
        switch half {
        case .float16:
            type = try check(target, "cannot copy the float32 type") { H5Tcopy(cs_H5T_IEEE_F32LE()) }
            do {
                try check(target, "cannot set float16 fields") { H5Tset_fields(type, 15, 10, 5, 0, 10) }
                try check(target, "cannot set float16 size") { H5Tset_size(type, 2) }
                try check(target, "cannot set float16 exponent bias") { H5Tset_ebias(type, 15) }
            } catch {
                release(type, H5Tclose)
                throw error
            }
        case .bfloat16:
            type = try check(target, "cannot create an opaque type") { H5Tcreate(H5T_OPAQUE, 2) }
        }
        defer { release(type, H5Tclose) }
        let words: [UInt16] = floats.map { f in
            switch half {
            case .float16: return Float16(f).bitPattern.littleEndian
            case .bfloat16: return Self.bfloat16Bits(f).littleEndian
            }
        }
        return try createDataset(name, shape, words, fileType: type, memoryType: type)
    }

    /// float32 → bfloat16 bits, rounded to nearest even (as `ml_dtypes` does); NaN stays NaN.
    static func bfloat16Bits(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7FC0 }
        let bits = f.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
