import CHDF5

/// A variable-length element as stored in the file: `length` elements in object `objectIndex` of
/// the global heap collection at `collectionAddress` (address 0: a null element).
struct H5VariableLengthDescriptor {
    let length: UInt32
    let collectionAddress: UInt64
    let objectIndex: UInt32

    var isNull: Bool { collectionAddress == 0 }
}

/// Reads variable-length descriptors without following them into the heap.
///
/// libhdf5 only ever hands out variable-length data converted. A conversion from variable-length
/// to an opaque type of the stored size, registered here, makes `H5Aread` copy the stored bytes
/// instead: libhdf5 fills its conversion buffer with the attribute's raw bytes and this conversion
/// leaves them as they are.
enum H5RawVariableLengthReader {
    /// Tag of the opaque destination type; the conversion declines every other opaque type.
    private static let tag = "convscope: raw variable-length descriptor"

    /// Registered once, on first use (under the library lock).
    private static let registered: Bool = {
        let source = H5Tcopy(cs_H5T_C_S1())
        defer { if source >= 0 { H5Tclose(source) } }
        let target = H5Tcreate(H5T_OPAQUE, 16)
        defer { if target >= 0 { H5Tclose(target) } }
        guard source >= 0, target >= 0, H5Tset_size(source, cs_H5T_VARIABLE()) >= 0,
              H5Tset_tag(target, tag) >= 0 else { return false }
        return H5Tregister(H5T_PERS_SOFT, "convscope_vlen_raw", source, target, keepStoredBytes) >= 0
    }()

    /// The conversion: accepts only our tag and equal sizes, so the buffer already holds the result.
    private static let keepStoredBytes: H5T_conv_t = { sourceType, targetType, data, _, _, _, _, _, _ in
        guard let data else { return -1 }
        if data.pointee.command == H5T_CONV_INIT {
            guard H5Tget_class(targetType) == H5T_OPAQUE,
                  H5Tget_size(sourceType) == H5Tget_size(targetType),
                  let found = H5Tget_tag(targetType) else { return -1 }
            defer { H5free_memory(found) }
            guard String(cString: found) == tag else { return -1 }
            data.pointee.need_bkg = H5T_BKG_NO
        }
        return 0
    }

    /// The `count` descriptors of a variable-length attribute. Call under the library lock.
    static func descriptors(of attribute: hid_t, name: String, count: Int, addressSize: Int,
                            location: H5Location) throws -> [H5VariableLengthDescriptor] {
        guard registered else { throw location.error("cannot set up the raw variable-length reader") }
        let elementSize = 4 + addressSize + 4  // length, heap collection address, object index
        let stored = H5Aget_storage_size(attribute)
        guard count > 0, addressSize > 0, addressSize <= 8, stored == hsize_t(count * elementSize) else {
            throw location.error("attribute '\(name)' stores \(stored) bytes for \(count) variable-length strings of \(elementSize) bytes")
        }
        let target = try check(location, "cannot create the raw descriptor type") { H5Tcreate(H5T_OPAQUE, elementSize) }
        defer { release(target, H5Tclose) }
        try check(location, "cannot tag the raw descriptor type") { H5Tset_tag(target, tag) }
        var raw = [UInt8](repeating: 0, count: count * elementSize)
        try check(location, "cannot read the stored descriptors of attribute '\(name)'") { H5Aread(attribute, target, &raw) }
        return (0..<count).map { element in
            let at = element * elementSize
            func field(_ offset: Int, _ size: Int) -> UInt64 {
                H5OpenFileBytes.decode(raw[(at + offset)..<(at + offset + size)], count: size) ?? 0
            }
            return H5VariableLengthDescriptor(
                length: UInt32(field(0, 4)),
                collectionAddress: field(4, addressSize),
                objectIndex: UInt32(field(4 + addressSize, 4)))
        }
    }
}
