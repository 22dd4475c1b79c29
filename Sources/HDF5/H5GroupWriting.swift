import CHDF5

extension H5Group {
    /// Creates a group at `path`, creating missing intermediate groups as h5py does.
    @discardableResult
    public func createGroup(_ path: String) throws -> H5Group {
        let target = objectLocation(path)
        let links = try linkCreationList(target)
        defer { release(links, H5Pclose) }
        let ownID = handle.id
        let id = try check(target, "cannot create group") {
            H5Gcreate2(ownID, path, links, cs_H5P_DEFAULT(), cs_H5P_DEFAULT())
        }
        return H5Group(id: id, location: target)
    }

    /// Creates a contiguous little-endian float32 dataset of `shape` ([] for a scalar) holding `floats` in row-major order.
    @discardableResult
    public func createDataset(name: String, shape: [Int], floats: [Float]) throws -> H5Dataset {
        try createDataset(name, shape, floats, fileType: cs_H5T_IEEE_F32LE(), memoryType: cs_H5T_NATIVE_FLOAT())
    }

    /// Creates a contiguous little-endian float64 dataset of `shape` holding `doubles` in row-major order.
    @discardableResult
    public func createDataset(name: String, shape: [Int], doubles: [Double]) throws -> H5Dataset {
        try createDataset(name, shape, doubles, fileType: cs_H5T_IEEE_F64LE(), memoryType: cs_H5T_NATIVE_DOUBLE())
    }

    /// Creates a contiguous little-endian int64 dataset of `shape` holding `ints` in row-major order.
    @discardableResult
    public func createDataset(name: String, shape: [Int], ints: [Int64]) throws -> H5Dataset {
        try createDataset(name, shape, ints, fileType: cs_H5T_STD_I64LE(), memoryType: cs_H5T_NATIVE_INT64())
    }

    /// Creates a contiguous int8 (`signed`) or uint8 dataset of `shape` holding `bytes` (as h5py writes
    /// numpy int8/uint8 arrays: Keras' quantized kernels).
    @discardableResult
    public func createDataset(name: String, shape: [Int], bytes: [UInt8], signed: Bool) throws -> H5Dataset {
        signed ? try createDataset(name, shape, bytes.map { Int8(bitPattern: $0) }, fileType: cs_H5T_STD_I8LE(), memoryType: cs_H5T_NATIVE_INT8())
               : try createDataset(name, shape, bytes, fileType: cs_H5T_STD_U8LE(), memoryType: cs_H5T_NATIVE_UINT8())
    }

    func createDataset<T>(_ name: String, _ shape: [Int], _ values: [T], fileType: hid_t, memoryType: hid_t) throws -> H5Dataset {
        let target = objectLocation(name)
        guard shape.allSatisfy({ $0 >= 0 }) else { throw target.error("shape \(shape) has a negative dimension") }
        guard let count = H5Dataspace.elementCount(shape), count == values.count else {
            throw target.error("shape \(shape) does not hold \(values.count) values")
        }
        let space = try H5Dataspace.create(shape: shape, at: target)
        defer { release(space, H5Sclose) }
        let links = try linkCreationList(target)
        defer { release(links, H5Pclose) }
        let ownID = handle.id
        let id = try check(target, "cannot create dataset") {
            H5Dcreate2(ownID, name, fileType, space, links, cs_H5P_DEFAULT(), cs_H5P_DEFAULT())
        }
        let dataset = try H5Dataset(id: id, location: target)
        if !values.isEmpty {
            _ = try values.withUnsafeBufferPointer { buffer in
                try check(target, "cannot write dataset") {
                    H5Dwrite(id, memoryType, cs_H5S_ALL(), cs_H5S_ALL(), cs_H5P_DEFAULT(), buffer.baseAddress)
                }
            }
        }
        return dataset
    }

    /// Link-creation properties: make intermediate groups and mark names as UTF-8, as h5py does.
    private func linkCreationList(_ location: H5Location) throws -> hid_t {
        let list = try check(location, "cannot create link-creation property list") { H5Pcreate(cs_H5P_LINK_CREATE()) }
        do {
            try check(location, "cannot enable intermediate groups") { H5Pset_create_intermediate_group(list, 1) }
            try check(location, "cannot set link name encoding") { H5Pset_char_encoding(list, H5T_CSET_UTF8) }
            return list
        } catch {
            release(list, H5Pclose)
            throw error
        }
    }
}
