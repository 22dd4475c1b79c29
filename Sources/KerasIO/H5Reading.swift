import HDF5

/// Small helpers over the HDF5 target that turn its errors into `KerasIOError`s.
enum H5Reading {
    static func convert(_ error: Error, file: String, object: String = "") -> KerasIOError {
        if let e = error as? KerasIOError { return e }
        if let h = error as? H5Error {
            var m = h.message
            if let d = h.detail, !d.isEmpty { m += " (HDF5: \(d))" }
            return KerasIOError(file: file, object: h.objectPath, m)
        }
        return KerasIOError(file: file, object: object, String(describing: error))
    }

    /// Runs `body`, converting any error to a `KerasIOError` naming `file` and `object`.
    static func guarded<T>(_ file: String, _ object: String = "", _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw convert(error, file: file, object: object) }
    }

    /// A string attribute (scalar or one-element array), nil when absent.
    static func string(_ owner: some H5AttributeOwner, _ name: String) throws -> String? {
        guard try owner.hasAttribute(name) else { return nil }
        switch try owner.attribute(name) {
        case .string(let s): return s
        case .strings(let a): return a.first
        default: return nil
        }
    }

    /// Every link below `group` must be a hard link: soft and external links are refused, naming the path.
    static func refuseLinks(in group: H5Group, file: String, maxDepth: Int = 64) throws {
        try guarded(file) {
            try group.walk(maxDepth: maxDepth) { entry in
                switch entry.link.kind {
                case .softLink:
                    throw KerasIOError(file: file, object: entry.path,
                                       "is a soft link to '\(entry.link.target ?? "?")'; links are not followed")
                case .externalLink:
                    throw KerasIOError(file: file, object: entry.path,
                                       "is an external link to '\(entry.link.targetFile ?? "?")':'\(entry.link.target ?? "?")'; links are not followed")
                default: break
                }
            }
        }
    }

    /// Reads a dataset's values as Float after checking it is safe to read.
    static func readFloats(_ root: H5Group, path: String, file: String) throws -> [Float] {
        try guarded(file, path) {
            let d = try root.dataset(path)
            try d.checkSafeToRead()
            return try storedDtype(d, file: file) == "bfloat16" ? d.readBFloat16() : d.readFloats()
        }
    }

    /// The dtype a dataset stores, as Keras names it: HDF5's own type, except that Keras 3 (through h5py and
    /// `ml_dtypes`) writes bfloat16 as a 2-byte opaque type tagged `dtype="bfloat16"`. A bfloat16 tag on
    /// anything but 2-byte elements is refused here, where the dataset is first listed.
    static func storedDtype(_ d: H5Dataset, file: String) throws -> String {
        guard try d.hasAttribute("dtype"), case .string(let tag)? = try? d.attribute("dtype") else {
            return d.dtype.description
        }
        guard tag == "bfloat16" else { return d.dtype.description }
        guard d.elementSize == 2 else {
            throw KerasIOError(file: file, object: d.path,
                               "is tagged dtype=\"bfloat16\" but stores \(d.elementSize)-byte elements (\(d.dtype)); bfloat16 has 2; refusing it")
        }
        return tag
    }
}
