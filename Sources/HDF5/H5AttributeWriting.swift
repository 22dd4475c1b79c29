import CHDF5
import Foundation

extension H5Attributes {
    /// Keras' ceiling for one attribute's NumPy `nbytes` (HDF5's object header limit, minus slack).
    public static let splitThreshold = 64_512

    /// Replaces attribute `name` with `value`. Strings are fixed-length null-padded (NumPy `|S`) when
    /// `fixedLength`, else variable-length UTF-8 (h5py `str`); numbers are 1-D little-endian int64/float64.
    func write(_ name: String, _ value: H5AttributeValue, fixedLength: Bool, width: Int? = nil) throws {
        try remove(name)
        let shape: [Int]
        switch value {
        case .string: shape = []
        case .strings(let values): shape = [values.count]
        case .ints(let values): shape = [values.count]
        case .doubles(let values): shape = [values.count]
        }
        let space = try H5Dataspace.create(shape: shape, at: location)
        defer { release(space, H5Sclose) }
        switch value {
        case .string(let text):
            try writeStrings([text], space: space, name: name, fixedLength: fixedLength, width: width)
        case .strings(let texts):
            try writeStrings(texts, space: space, name: name, fixedLength: fixedLength, width: width)
        case .ints(let numbers):
            try writeNumbers(numbers, fileType: cs_H5T_STD_I64LE(), memoryType: cs_H5T_NATIVE_INT64(), space: space, name: name)
        case .doubles(let numbers):
            try writeNumbers(numbers, fileType: cs_H5T_IEEE_F64LE(), memoryType: cs_H5T_NATIVE_DOUBLE(), space: space, name: name)
        }
    }

    /// Deletes attribute `name` if present.
    func remove(_ name: String) throws {
        guard try contains(name) else { return }
        let ownerID = owner.id
        try check(location, "cannot delete attribute '\(name)'") { H5Adelete(ownerID, name) }
    }

    private func create(_ name: String, type: hid_t, space: hid_t) throws -> hid_t {
        let ownerID = owner.id
        return try check(location, "cannot create attribute '\(name)'") {
            H5Acreate2(ownerID, name, type, space, cs_H5P_DEFAULT(), cs_H5P_DEFAULT())
        }
    }

    private func writeNumbers<T>(_ values: [T], fileType: hid_t, memoryType: hid_t, space: hid_t, name: String) throws {
        let attribute = try create(name, type: fileType, space: space)
        defer { release(attribute, H5Aclose) }
        guard !values.isEmpty else { return }
        _ = try values.withUnsafeBufferPointer { buffer in
            try check(location, "cannot write attribute '\(name)'") { H5Awrite(attribute, memoryType, buffer.baseAddress) }
        }
    }

    private func writeStrings(_ values: [String], space: hid_t, name: String, fixedLength: Bool, width: Int?) throws {
        if let bad = values.first(where: { $0.utf8.contains(0) }) {
            throw location.error("attribute '\(name)' value \(bad.debugDescription) contains a NUL byte")
        }
        let encoded = values.map { Array($0.utf8) }
        let size = fixedLength ? max(1, width ?? 0, encoded.map(\.count).max() ?? 0) : cs_H5T_VARIABLE()
        let ascii = encoded.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
        let type = try stringType(size: size, fixedLength: fixedLength, ascii: ascii)
        defer { release(type, H5Tclose) }
        let attribute = try create(name, type: type, space: space)
        defer { release(attribute, H5Aclose) }
        guard !values.isEmpty else { return }
        if fixedLength {
            var bytes = [UInt8](repeating: 0, count: values.count * size)
            for (index, value) in encoded.enumerated() {
                bytes.replaceSubrange((index * size)..<(index * size + value.count), with: value)
            }
            try check(location, "cannot write attribute '\(name)'") { H5Awrite(attribute, type, bytes) }
        } else {
            let copies = values.map { strdup($0) }
            defer { copies.forEach { free($0) } }
            _ = try copies.withUnsafeBufferPointer { buffer in
                try check(location, "cannot write attribute '\(name)'") { H5Awrite(attribute, type, buffer.baseAddress) }
            }
        }
    }

    /// Fixed: NumPy's `|S<size>` (null-padded, ASCII unless the text needs UTF-8). Variable: h5py's UTF-8 `str`.
    private func stringType(size: Int, fixedLength: Bool, ascii: Bool) throws -> hid_t {
        let type = try check(location, "cannot copy string type") { H5Tcopy(cs_H5T_C_S1()) }
        do {
            try check(location, "cannot size string type") { H5Tset_size(type, size) }
            try check(location, "cannot set string padding") {
                H5Tset_strpad(type, fixedLength ? H5T_STR_NULLPAD : H5T_STR_NULLTERM)
            }
            try check(location, "cannot set character set") {
                H5Tset_cset(type, fixedLength && ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8)
            }
            return type
        } catch {
            release(type, H5Tclose)
            throw error
        }
    }
}

extension H5AttributeOwner {
    /// Creates or replaces attribute `name`. Strings are fixed-length null-padded (NumPy `|S`, Keras 2 style)
    /// when `fixedLength`, otherwise variable-length UTF-8 (h5py style); numbers are written as 1-D arrays.
    public func setAttribute(_ name: String, _ value: H5AttributeValue, fixedLength: Bool = false) throws {
        try attributes.write(name, value, fixedLength: fixedLength)
    }

    /// Writes a string list the way Keras does: one attribute, or — when `split` and its NumPy size
    /// (count × longest UTF-8 length) exceeds 64,512 bytes — `name0`, `name1`, … holding consecutive parts.
    /// Any earlier `name` or `name<digits>` attributes are removed first.
    public func setStringArrayAttribute(_ name: String, _ values: [String], fixedLength: Bool = true, split: Bool = true) throws {
        let store = attributes
        for existing in try store.names() where existing == name || Self.isPart(existing, of: name) {
            try store.remove(existing)
        }
        let width = max(1, values.map(\.utf8.count).max() ?? 0)
        let limit = H5Attributes.splitThreshold
        guard split, values.count * width > limit else {
            return try store.write(name, .strings(values), fixedLength: fixedLength)
        }
        guard width <= limit else {
            throw store.location.error("attribute '\(name)' has a string longer than \(limit) bytes; it cannot be split")
        }
        let parts = Self.splitCount(count: values.count, width: width, limit: limit)
        var start = 0
        for part in 0..<parts {
            // NumPy's array_split: the first `count % parts` parts get one extra element.
            let size = values.count / parts + (part < values.count % parts ? 1 : 0)
            // Every part keeps the whole list's width, as slices of one NumPy `|S` array do.
            try store.write("\(name)\(part)", .strings(Array(values[start..<(start + size)])), fixedLength: fixedLength, width: width)
            start += size
        }
    }

    /// The fewest parts for which every `array_split` part fits under `limit` (Keras' loop).
    static func splitCount(count: Int, width: Int, limit: Int) -> Int {
        var parts = max(2, (count * width + limit - 1) / limit)
        while (count + parts - 1) / parts * width > limit { parts += 1 }
        return parts
    }

    /// Whether `candidate` is `name` followed by decimal digits, i.e. one part of a split attribute.
    static func isPart(_ candidate: String, of name: String) -> Bool {
        guard candidate.hasPrefix(name), candidate.count > name.count else { return false }
        return candidate.dropFirst(name.count).allSatisfy { $0.isASCII && $0.isNumber }
    }
}
