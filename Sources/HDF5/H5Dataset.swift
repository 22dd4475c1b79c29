import CHDF5

/// An open HDF5 dataset with its shape, element type and the storage facts a careful reader checks first.
public final class H5Dataset: H5AttributeOwner {
    /// Absolute HDF5 path of this dataset.
    public var path: String { location.object }
    /// Path of the file on disk that holds this dataset.
    public var filePath: String { location.file }
    /// Dimensions; empty for a scalar (one element) or a null dataspace (no elements).
    public let shape: [Int]
    /// Number of elements the dataspace declares.
    public let elementCount: Int
    /// The stored element type.
    public let dtype: H5DataType
    /// Bytes per stored element.
    public let elementSize: Int
    /// The filter pipeline (chunked datasets only), in application order.
    public let filters: [H5Filter]
    /// Whether raw data lives in separate files named by the dataset (reading would touch other files).
    public let hasExternalStorage: Bool

    let handle: H5Handle
    let location: H5Location
    /// True for integer and float classes, which HDF5 converts to native numbers on read.
    let isNumericClass: Bool

    init(id: hid_t, location: H5Location) throws {
        // Owned from the first line, so a throw below still closes the identifier.
        let handle = H5Handle(id, closer: H5Dclose)
        let (shape, count) = try Self.readExtent(id, location)
        let type = try check(location, "cannot read dataset type") { H5Dget_type(id) }
        defer { release(type, H5Tclose) }
        let typeClass = try check(location, "cannot read datatype class") { H5Tget_class(type).rawValue }
        let (filters, external) = try Self.readStorage(id, location)
        self.dtype = try H5DataType.classify(type, at: location)
        self.elementSize = try check(location, "cannot read datatype size", failsIf: { $0 == 0 }) { H5Tget_size(type) }
        self.isNumericClass = [H5T_INTEGER, H5T_FLOAT].contains(H5T_class_t(rawValue: typeClass))
        self.shape = shape
        self.elementCount = count
        self.filters = filters
        self.hasExternalStorage = external
        self.handle = handle
        self.location = location
    }

    /// The attributes stored on this dataset.
    public var attributes: H5Attributes { H5Attributes(owner: handle, location: location) }

    /// Bytes the data occupies in the file (after compression); 0 when never written.
    public var storageSize: Int {
        Int(H5Library.locked { H5Dget_storage_size(handle.id) })
    }

    /// Bytes the elements occupy uncompressed, or nil when that overflows `Int`.
    public var declaredByteCount: Int? {
        let (bytes, overflow) = elementCount.multipliedReportingOverflow(by: elementSize)
        return overflow ? nil : bytes
    }

    /// Whether any filter is user-defined code (a plugin) rather than one of HDF5's six built-ins.
    public var hasNonstandardFilters: Bool { filters.contains { !$0.isStandard } }

    /// Throws unless the data is stored inside this file and decoded only by HDF5's built-in filters.
    public func checkSafeToRead() throws {
        if hasExternalStorage { throw location.error("raw data is stored in external files; refusing to read") }
        if let filter = filters.first(where: { !$0.isStandard }) {
            throw location.error("uses user-defined filter \(filter.id) '\(filter.name)'; refusing to read")
        }
    }

    /// Shape and element count from the dataspace.
    private static func readExtent(_ id: hid_t, _ location: H5Location) throws -> ([Int], Int) {
        let space = try check(location, "cannot read dataspace") { H5Dget_space(id) }
        defer { release(space, H5Sclose) }
        return try H5Dataspace.extent(of: space, at: location)
    }

    /// Filters and external-file count from the creation property list.
    private static func readStorage(_ id: hid_t, _ location: H5Location) throws -> ([H5Filter], Bool) {
        let plist = try check(location, "cannot read creation properties") { H5Dget_create_plist(id) }
        defer { release(plist, H5Pclose) }
        let external = try check(location, "cannot read external storage list") { H5Pget_external_count(plist) }
        let count = try check(location, "cannot read filter pipeline") { H5Pget_nfilters(plist) }
        var filters: [H5Filter] = []
        for index in 0..<count {
            var flags: UInt32 = 0
            var valueCount = 0
            var config: UInt32 = 0
            var name = [CChar](repeating: 0, count: 257)
            let filterID = try check(location, "cannot read filter \(index)") {
                H5Pget_filter2(plist, UInt32(index), &flags, &valueCount, nil, 256, &name, &config)
            }
            filters.append(H5Filter(
                id: Int(filterID),
                name: String(cString: name),
                isOptional: flags & UInt32(H5Z_FLAG_OPTIONAL) != 0
            ))
        }
        return (filters, external > 0)
    }
}
