/// One global heap collection ("GCOL"), decoded the way libhdf5 1.10 decodes it when it loads one.
///
/// Variable-length strings (h5py's `str` attributes: `model_config`, `layer_names`, …) live in these
/// collections. libhdf5 1.10 trusts the sizes inside: a free-space object of size 0 makes its walk
/// loop forever, and sizes past the collection's end make it read outside the collection. Decoding
/// here first, with every step checked, turns such a file into an error instead (found by Fuzz/).
struct H5GlobalHeapCollection {
    /// Stored size in bytes of every object libhdf5 will hand out, by heap index (index 0, free space, excluded).
    let objectSizes: [Int: UInt64]

    /// "GCOL", version 1, three reserved bytes, then the collection size in `lengthSize` bytes.
    static func headerSize(lengthSize: Int) -> Int { 8 + lengthSize }

    /// The collection size the header declares, or nil when `header` does not start a version-1 collection.
    static func declaredSize(header: UnsafeRawBufferPointer, lengthSize: Int) -> UInt64? {
        guard header.count >= headerSize(lengthSize: lengthSize),
              header[0] == 0x47, header[1] == 0x43, header[2] == 0x4F, header[3] == 0x4C,  // "GCOL"
              header[4] == 1, header[5] == 0, header[6] == 0, header[7] == 0
        else { return nil }
        return littleEndian(header, at: 8, count: lengthSize)
    }

    /// Walks the objects of a whole collection (`bytes` starts at its header and holds its declared size).
    /// `where` names the collection in the reason of a thrown `H5GlobalHeapProblem`.
    static func decode(_ bytes: UnsafeRawBufferPointer, lengthSize: Int, where place: String) throws -> H5GlobalHeapCollection {
        guard let declared = declaredSize(header: bytes, lengthSize: lengthSize) else {
            throw H5GlobalHeapProblem(reason: "\(place) is not a global heap collection")
        }
        let header = headerSize(lengthSize: lengthSize)
        guard declared >= UInt64(header), declared <= UInt64(bytes.count) else {
            throw H5GlobalHeapProblem(reason: "\(place) declares \(declared) bytes, past the end of the file")
        }
        let end = Int(declared)
        let objectHeader = 8 + lengthSize  // index (2), reference count (2), reserved (4), size
        var sizes: [Int: UInt64] = [:]
        var at = header
        while at < end {
            if at + objectHeader > end { break }  // a tail too small for an object is free space, as in libhdf5
            let index = Int(littleEndian(bytes, at: at, count: 2) ?? 0)
            guard let size = littleEndian(bytes, at: at + 8, count: lengthSize), size < UInt64(Int.max / 2) else {
                throw H5GlobalHeapProblem(reason: "\(place): object \(index) declares an impossible size")
            }
            // Objects are 8-byte aligned; the free-space object (index 0) counts its own header in its size.
            let need: UInt64 = index > 0 ? UInt64(objectHeader) + ((size + 7) & ~7) : size
            guard need > 0, need <= UInt64(end - at) else {
                throw H5GlobalHeapProblem(
                    reason: "\(place): object \(index) of \(size) bytes does not fit its \(declared)-byte collection")
            }
            if index > 0 { sizes[index] = size }  // a repeated index replaces the earlier one, as in libhdf5
            at += Int(need)
        }
        return H5GlobalHeapCollection(objectSizes: sizes)
    }

    /// An unsigned little-endian integer of `count` bytes; nil if it does not fit 64 bits or the buffer.
    static func littleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int) -> UInt64? {
        guard offset >= 0, count > 0, offset + count <= bytes.count else { return nil }
        var value: UInt64 = 0
        for i in 0..<count {
            let byte = UInt64(bytes[offset + i])
            if i >= 8 { if byte != 0 { return nil } else { continue } }
            value |= byte << (8 * UInt64(i))
        }
        return value
    }
}

/// Why a global heap collection or a reference into one cannot be trusted.
struct H5GlobalHeapProblem: Error {
    let reason: String
}
