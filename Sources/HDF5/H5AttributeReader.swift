import CHDF5

/// Decodes one open attribute into an `H5AttributeValue`.
struct H5AttributeReader {
    let attribute: hid_t
    let name: String
    let location: H5Location

    /// Attributes live in object headers, so anything bigger than this is a hostile or broken file.
    private static let maxBytes = 256 << 20

    func read() throws -> H5AttributeValue {
        let type = try check(location, "cannot read type of attribute '\(name)'") { H5Aget_type(attribute) }
        defer { release(type, H5Tclose) }
        let space = try check(location, "cannot read dataspace of attribute '\(name)'") { H5Aget_space(attribute) }
        defer { release(space, H5Sclose) }
        let spaceClass = try check(location, "cannot read dataspace class of '\(name)'") {
            H5Sget_simple_extent_type(space).rawValue
        }
        let isScalar = H5S_class_t(rawValue: spaceClass) == H5S_SCALAR
        let (_, count) = try H5Dataspace.extent(of: space, at: location)
        let typeClass = try check(location, "cannot read type class of '\(name)'") { H5Tget_class(type).rawValue }

        switch H5T_class_t(rawValue: typeClass) {
        case H5T_STRING:
            let isVariable = try check(location, "cannot inspect string type of '\(name)'") { H5Tis_variable_str(type) }
            let strings = isVariable > 0
                ? try readVariableStrings(type: type, space: space, count: count)
                : try readFixedStrings(type: type, count: count)
            if isScalar, let only = strings.first { return .string(only) }
            return .strings(strings)
        case H5T_INTEGER, H5T_FLOAT:
            // libhdf5 sizes its conversion buffer by the stored element size, which the file declares.
            let size = try check(location, "cannot read type size of '\(name)'") { H5Tget_size(type) }
            guard (1...8).contains(size) else {
                throw location.error("attribute '\(name)' declares \(size)-byte numbers; refusing it")
            }
            return H5T_class_t(rawValue: typeClass) == H5T_INTEGER
                ? .ints(try readNumbers(memoryType: cs_H5T_NATIVE_INT64(), count: count))
                : .doubles(try readNumbers(memoryType: cs_H5T_NATIVE_DOUBLE(), count: count))
        default:
            let kind = (try? H5DataType.classify(type, at: location))?.description ?? "class \(typeClass)"
            throw location.error("attribute '\(name)' has unsupported type \(kind)")
        }
    }

    /// Integers or floats converted by HDF5 to the native 64-bit memory type.
    private func readNumbers<T>(memoryType: hid_t, count: Int) throws -> [T] {
        try checkSize(count, MemoryLayout<T>.stride)
        guard count > 0 else { return [] }
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            try check(location, "cannot read attribute '\(name)'") { H5Aread(attribute, memoryType, buffer.baseAddress) }
            initialized = count
        }
    }

    /// Fixed-length strings: read as stored, then trimmed according to the type's padding rule.
    private func readFixedStrings(type: hid_t, count: Int) throws -> [String] {
        let size = try check(location, "cannot read string size of '\(name)'", failsIf: { $0 == 0 }) { H5Tget_size(type) }
        try checkSize(count, size)
        guard count > 0 else { return [] }
        let pad = try check(location, "cannot read string padding of '\(name)'") { H5Tget_strpad(type).rawValue }
        var bytes = [UInt8](repeating: 0, count: count * size)
        // Reading with the file's own type copies the bytes without conversion.
        try check(location, "cannot read attribute '\(name)'") { H5Aread(attribute, type, &bytes) }
        return (0..<count).map { index in
            Self.trim(bytes[(index * size)..<((index + 1) * size)], pad: H5T_str_t(rawValue: pad))
        }
    }

    /// Null-terminated: up to the first NUL; null-padded: trailing NULs dropped (as NumPy does); space-padded: trailing spaces dropped.
    static func trim(_ raw: ArraySlice<UInt8>, pad: H5T_str_t) -> String {
        var end = raw.endIndex
        switch pad {
        case H5T_STR_NULLTERM:
            end = raw.firstIndex(of: 0) ?? raw.endIndex
        case H5T_STR_SPACEPAD:
            while end > raw.startIndex, raw[end - 1] == 0x20 || raw[end - 1] == 0 { end -= 1 }
        default:
            while end > raw.startIndex, raw[end - 1] == 0 { end -= 1 }
        }
        return String(decoding: raw[raw.startIndex..<end], as: UTF8.self)
    }

    /// Variable-length strings: HDF5 allocates each one; the copies are made and the originals reclaimed.
    private func readVariableStrings(type: hid_t, space: hid_t, count: Int) throws -> [String] {
        try checkSize(count, MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)
        guard count > 0 else { return [] }
        let cset = try check(location, "cannot read character set of '\(name)'") { H5Tget_cset(type).rawValue }
        let memoryType = try check(location, "cannot copy string type") { H5Tcopy(cs_H5T_C_S1()) }
        defer { release(memoryType, H5Tclose) }
        try check(location, "cannot size string type") { H5Tset_size(memoryType, cs_H5T_VARIABLE()) }
        try check(location, "cannot set character set") { H5Tset_cset(memoryType, H5T_cset_t(rawValue: cset)) }
        // libhdf5 would follow the stored descriptors unchecked; check them first.
        let total = try H5Library.locked {
            try H5VariableLengthCheck.verify(attribute: attribute, name: name, count: count, location: location)
        }
        try checkSize(Int(clamping: total), 1)
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try check(location, "cannot read attribute '\(name)'") { H5Aread(attribute, memoryType, &pointers) }
        let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
        try check(location, "cannot free variable-length strings") {
            H5Dvlen_reclaim(memoryType, space, cs_H5P_DEFAULT(), &pointers)
        }
        return strings
    }

    private func checkSize(_ count: Int, _ elementBytes: Int) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementBytes)
        guard !overflow, bytes <= Self.maxBytes else {
            throw location.error("attribute '\(name)' declares \(count) elements of \(elementBytes) bytes; too large")
        }
    }
}
