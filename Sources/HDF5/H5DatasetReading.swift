import CHDF5
import MemoryLimit

/// Reads check the bytes they allocate against `byteLimit` first, the process-wide `MemoryLimit.bytes`
/// unless the caller gives another.
extension H5Dataset {
    /// Number of rows along the first dimension (1 for a scalar).
    public var rowCount: Int { shape.first ?? 1 }

    /// Elements in one row: the product of all dimensions after the first.
    public var rowLength: Int { H5Dataspace.elementCount(Array(shape.dropFirst())) ?? 0 }

    /// Every element as `Float`, converted by HDF5 from any integer or float type (float16 included).
    public func readFloats(byteLimit: Int = MemoryLimit.bytes) throws -> [Float] {
        try read(memoryType: cs_H5T_NATIVE_FLOAT(), rows: nil, byteLimit: byteLimit)
    }

    /// Every element as `Double`, converted by HDF5 from any integer or float type.
    public func readDoubles(byteLimit: Int = MemoryLimit.bytes) throws -> [Double] {
        try read(memoryType: cs_H5T_NATIVE_DOUBLE(), rows: nil, byteLimit: byteLimit)
    }

    /// Rows `start ..< start + count` of the first dimension as `Float`, row-major (a hyperslab read).
    public func readRows(start: Int, count: Int, byteLimit: Int = MemoryLimit.bytes) throws -> [Float] {
        try read(memoryType: cs_H5T_NATIVE_FLOAT(), rows: try rowRange(start, count), byteLimit: byteLimit)
    }

    /// Rows `start ..< start + count` of the first dimension as `Double`, row-major (a hyperslab read).
    public func readDoubleRows(start: Int, count: Int, byteLimit: Int = MemoryLimit.bytes) throws -> [Double] {
        try read(memoryType: cs_H5T_NATIVE_DOUBLE(), rows: try rowRange(start, count), byteLimit: byteLimit)
    }

    /// Streams the dataset in blocks of at most `rowsPerBlock` rows, passing each block's first row index and values.
    /// Only one block is in memory at a time, so statistics over huge datasets stay cheap.
    public func forEachRowBlock(
        rowsPerBlock: Int,
        byteLimit: Int = MemoryLimit.bytes,
        _ body: (_ firstRow: Int, _ values: [Float]) throws -> Void
    ) throws {
        guard rowsPerBlock > 0 else { throw location.error("rowsPerBlock must be positive, got \(rowsPerBlock)") }
        guard !shape.isEmpty else { return try body(0, readFloats(byteLimit: byteLimit)) }
        var first = 0
        while first < rowCount {
            let count = min(rowsPerBlock, rowCount - first)
            try body(first, readRows(start: first, count: count, byteLimit: byteLimit))
            first += count
        }
    }

    private func rowRange(_ start: Int, _ count: Int) throws -> Range<Int> {
        guard !shape.isEmpty else { throw location.error("a scalar dataset has no rows") }
        guard start >= 0, count >= 0, start <= rowCount, count <= rowCount - start else {
            throw location.error("rows \(start)..<\(start + count) are outside 0..<\(rowCount)")
        }
        return start..<(start + count)
    }

    /// Reads the whole dataset or a block of rows, converting to `memoryType`; checks the size before allocating.
    private func read<T>(memoryType: hid_t, rows: Range<Int>?, byteLimit: Int) throws -> [T] {
        guard isNumericClass else { throw location.error("has element type \(dtype), which is not numeric") }
        // libhdf5 sizes its conversion buffer by the stored element size, which the file declares.
        guard (1...8).contains(elementSize) else {
            throw location.error("declares \(elementSize)-byte numbers (\(dtype)); refusing it")
        }
        let count: Int
        if let rows {
            let (product, overflow) = rows.count.multipliedReportingOverflow(by: rowLength)
            guard !overflow else { throw location.error("selection is too large") }
            count = product
        } else {
            count = elementCount
        }
        let stride = MemoryLayout<T>.stride
        let subject = rows.map { "block of \($0.count) row\($0.count == 1 ? "" : "s") (\(count) elements)" } ?? "dataset of \(count) elements"
        if let refusal = MemoryLimit.refusal(subject, declares: DeclaredSize.product([count, stride]),
                                             detail: "as \(stride)-byte values", limit: byteLimit) {
            throw location.error(refusal)
        }
        guard count > 0 else { return [] }
        let id = handle.id
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let rows {
                try readHyperslab(id, memoryType, rows, into: UnsafeMutableRawPointer(buffer.baseAddress!))
            } else {
                try check(location, "cannot read data") {
                    H5Dread(id, memoryType, cs_H5S_ALL(), cs_H5S_ALL(), cs_H5P_DEFAULT(), buffer.baseAddress)
                }
            }
            initialized = count
        }
    }

    /// Selects whole rows of the first dimension in the file and reads them into a matching memory space.
    private func readHyperslab(_ id: hid_t, _ memoryType: hid_t, _ rows: Range<Int>, into buffer: UnsafeMutableRawPointer) throws {
        var start = [hsize_t](repeating: 0, count: shape.count)
        var counts = shape.map { hsize_t($0) }
        start[0] = hsize_t(rows.lowerBound)
        counts[0] = hsize_t(rows.count)
        let fileSpace = try check(location, "cannot read dataspace") { H5Dget_space(id) }
        defer { release(fileSpace, H5Sclose) }
        try check(location, "cannot select rows \(rows)") {
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, counts, nil)
        }
        let memorySpace = try check(location, "cannot create memory dataspace") {
            H5Screate_simple(Int32(counts.count), counts, nil)
        }
        defer { release(memorySpace, H5Sclose) }
        try check(location, "cannot read rows \(rows)") {
            H5Dread(id, memoryType, memorySpace, fileSpace, cs_H5P_DEFAULT(), buffer)
        }
    }
}
