import CHDF5

/// Checks the stored descriptors of a variable-length string attribute before libhdf5 reads it.
///
/// Each stored string is a descriptor — length, global heap collection address, object index —
/// and libhdf5 1.10 trusts all three: it sizes its buffer by the length and copies the heap
/// object's own size into it (an over-read or a 4 GiB allocation when they disagree), and it
/// dereferences the object slot without checking it is in use (a crash). The descriptors are read
/// raw here, through a conversion that does not touch the heap, and each one must name an object
/// that exists in an intact collection and has exactly the stated length (found by Fuzz/).
enum H5VariableLengthCheck {
    /// Throws unless every descriptor of `attribute` (a variable-length string attribute of `count`
    /// elements) is consistent; returns the total length of the strings. Call under the library lock.
    static func verify(attribute: hid_t, name: String, count: Int, location: H5Location) throws -> UInt64 {
        // libhdf5 sizes its buffer as length × character size, the character type coming from the file.
        let characterSize = try storedCharacterSize(of: attribute, name: name, location: location)
        guard characterSize == 1 else {
            throw location.error("damaged HDF5 file: attribute '\(name)' declares \(characterSize)-byte characters for a variable-length string; refusing it")
        }
        let file = try H5OpenFileBytes(fileOf: attribute, at: location)
        let descriptors = try H5RawVariableLengthReader.descriptors(
            of: attribute, name: name, count: count, addressSize: file.addressSize, location: location)
        var collections: [UInt64: H5GlobalHeapCollection] = [:]
        var total: UInt64 = 0
        for (element, descriptor) in descriptors.enumerated() where !descriptor.isNull {
            let place = "attribute '\(name)' string \(element)"
            let collection: H5GlobalHeapCollection
            if let known = collections[descriptor.collectionAddress] {
                collection = known
            } else {
                collection = try load(descriptor.collectionAddress, from: file, for: place, location: location)
                collections[descriptor.collectionAddress] = collection
            }
            guard let size = collection.objectSizes[Int(descriptor.objectIndex)] else {
                throw location.error("damaged HDF5 file: \(place) names object \(descriptor.objectIndex) of the global heap at address \(descriptor.collectionAddress), which does not exist; refusing it")
            }
            guard size == UInt64(descriptor.length) else {
                throw location.error("damaged HDF5 file: \(place) declares \(descriptor.length) bytes but its heap object holds \(size); refusing it")
            }
            total += size
        }
        return total
    }

    /// Size of the stored character type (the base type of the variable-length type in the file).
    private static func storedCharacterSize(of attribute: hid_t, name: String, location: H5Location) throws -> Int {
        let type = try check(location, "cannot read type of attribute '\(name)'") { H5Aget_type(attribute) }
        defer { release(type, H5Tclose) }
        let base = try check(location, "cannot read the character type of attribute '\(name)'") { H5Tget_super(type) }
        defer { release(base, H5Tclose) }
        return try check(location, "cannot size the character type of attribute '\(name)'", failsIf: { $0 == 0 }) { H5Tget_size(base) }
    }

    private static func load(_ address: UInt64, from file: H5OpenFileBytes, for place: String,
                             location: H5Location) throws -> H5GlobalHeapCollection {
        let heapPlace = "the global heap at address \(address) (for \(place))"
        let headerSize = H5GlobalHeapCollection.headerSize(lengthSize: file.lengthSize)
        guard let header = file.read(address: address, count: headerSize),
              let declared = header.withUnsafeBytes({ H5GlobalHeapCollection.declaredSize(header: $0, lengthSize: file.lengthSize) })
        else {
            throw location.error("damaged HDF5 file: \(heapPlace) is not a global heap collection; refusing it")
        }
        guard declared >= UInt64(headerSize), declared <= UInt64(Int.max), let bytes = file.read(address: address, count: Int(declared)) else {
            throw location.error("damaged HDF5 file: \(heapPlace) declares \(declared) bytes, past the end of the file; refusing it")
        }
        do {
            return try bytes.withUnsafeBytes { try H5GlobalHeapCollection.decode($0, lengthSize: file.lengthSize, where: heapPlace) }
        } catch let problem as H5GlobalHeapProblem {
            throw location.error("damaged HDF5 file: \(problem.reason); refusing it")
        }
    }
}
