import CHDF5

/// Creating and measuring dataspaces.
enum H5Dataspace {
    /// Shape and element count; a null dataspace has shape [] and no elements.
    static func extent(of space: hid_t, at location: H5Location) throws -> ([Int], Int) {
        let spaceClass = try check(location, "cannot read dataspace class") {
            H5Sget_simple_extent_type(space).rawValue
        }
        if H5S_class_t(rawValue: spaceClass) == H5S_NULL { return ([], 0) }
        let rank = try check(location, "cannot read dataspace rank") { H5Sget_simple_extent_ndims(space) }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try check(location, "cannot read dataspace dimensions") { H5Sget_simple_extent_dims(space, &dims, nil) }
        var count = 1
        for dim in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: dim))
            guard !overflow, dim <= hsize_t(Int.max) else { throw location.error("dataspace \(dims) is too large") }
            count = product
        }
        return (dims.map { Int($0) }, count)
    }

    /// A scalar dataspace for an empty shape, otherwise a simple one; the caller closes it.
    static func create(shape: [Int], at location: H5Location) throws -> hid_t {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw location.error("shape \(shape) has a negative dimension") }
        if shape.isEmpty {
            return try check(location, "cannot create scalar dataspace") { H5Screate(H5S_SCALAR) }
        }
        let dims = shape.map { hsize_t($0) }
        return try check(location, "cannot create dataspace") { H5Screate_simple(Int32(dims.count), dims, nil) }
    }

    /// Number of elements `shape` holds, or nil on overflow; 1 for the scalar shape [].
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow || dim < 0 { return nil }
            count = product
        }
        return count
    }
}
