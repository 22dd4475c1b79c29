import CHDF5

/// Reads the links of one open group without ever following soft or external links.
struct H5LinkLister {
    let group: hid_t
    let location: H5Location

    /// Link values larger than this are not soft/external paths anyone wrote on purpose.
    private static let maxLinkValueBytes = 1 << 20

    /// Every link in the group, in HDF5's name order.
    func links() throws -> [H5Link] {
        try names().map { try link(named: $0) }
    }

    /// The names of the group's links, in HDF5's name order.
    func names() throws -> [String] {
        let box = NameBox()
        var index: hsize_t = 0
        let collect: H5L_iterate_t = { _, name, _, context in
            guard let name, let context else { return -1 }
            Unmanaged<NameBox>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }
        let groupID = group
        // libhdf5 1.10 lists a compact group through a table it frees unchecked when one of the
        // link messages fails to decode (freeing uninitialised entries: a crash found by Fuzz/).
        // A lookup of a name no link has decodes every message without that table, so a damaged
        // message is an error here before the listing runs.
        try check(location, "damaged group: its links cannot be decoded") {
            H5Lexists(groupID, "\u{1}convscope: no link has this name", cs_H5P_DEFAULT())
        }
        try check(location, "cannot list the group's links") {
            H5Literate(groupID, H5_INDEX_NAME, H5_ITER_INC, &index, collect, Unmanaged.passUnretained(box).toOpaque())
        }
        return box.names
    }

    /// The link called `name` (one component, no slashes), or nil when there is none.
    func linkIfPresent(named name: String) throws -> H5Link? {
        let groupID = group
        let exists = try check(location.child(name), "cannot look up link") {
            H5Lexists(groupID, name, cs_H5P_DEFAULT())
        }
        return exists > 0 ? try link(named: name) : nil
    }

    /// The link called `name`; throws when it does not exist.
    func link(named name: String) throws -> H5Link {
        guard try linkExists(name) else { throw location.child(name).error("no such link") }
        let info = try linkInfo(name)
        switch info.type {
        case H5L_TYPE_HARD:
            let object = try objectInfo(name)
            switch object.type {
            case H5O_TYPE_GROUP: return H5Link(name: name, kind: .group)
            case H5O_TYPE_DATASET: return H5Link(name: name, kind: .dataset)
            default: return H5Link(name: name, kind: .other)
            }
        case H5L_TYPE_SOFT:
            let value = try linkValue(name, size: info.u.val_size)
            return H5Link(name: name, kind: .softLink, target: String(decoding: value.prefix { $0 != 0 }, as: UTF8.self))
        case H5L_TYPE_EXTERNAL:
            let (file, path) = try externalTarget(name, size: info.u.val_size)
            return H5Link(name: name, kind: .externalLink, target: path, targetFile: file)
        default:
            return H5Link(name: name, kind: .other)
        }
    }

    /// Identity of the object a hard link points at, for cycle detection.
    func objectKey(named name: String) throws -> H5ObjectKey {
        H5ObjectKey(try objectInfo(name))
    }

    private func linkExists(_ name: String) throws -> Bool {
        let groupID = group
        return try check(location.child(name), "cannot look up link") {
            H5Lexists(groupID, name, cs_H5P_DEFAULT())
        } > 0
    }

    private func linkInfo(_ name: String) throws -> H5L_info_t {
        var info = H5L_info_t()
        let groupID = group
        try check(location.child(name), "cannot read link information") {
            H5Lget_info(groupID, name, &info, cs_H5P_DEFAULT())
        }
        return info
    }

    private func objectInfo(_ name: String) throws -> H5O_info_t {
        var info = H5O_info_t()
        let groupID = group
        try check(location.child(name), "cannot read object information") {
            H5Oget_info_by_name2(groupID, name, &info, cs_H5O_INFO_BASIC(), cs_H5P_DEFAULT())
        }
        return info
    }

    private func linkValue(_ name: String, size: Int) throws -> [UInt8] {
        let here = location.child(name)
        guard size > 0, size <= Self.maxLinkValueBytes else { throw here.error("link value has implausible size \(size)") }
        var buffer = [UInt8](repeating: 0, count: size)
        let groupID = group
        try check(here, "cannot read link value") {
            H5Lget_val(groupID, name, &buffer, size, cs_H5P_DEFAULT())
        }
        return buffer
    }

    private func externalTarget(_ name: String, size: Int) throws -> (file: String, path: String) {
        let value = try linkValue(name, size: size)
        return try value.withUnsafeBytes { raw in
            var flags: UInt32 = 0
            var file: UnsafePointer<CChar>?
            var path: UnsafePointer<CChar>?
            try check(location.child(name), "cannot decode external link") {
                H5Lunpack_elink_val(raw.baseAddress, size, &flags, &file, &path)
            }
            return (file.map { String(cString: $0) } ?? "", path.map { String(cString: $0) } ?? "")
        }
    }
}

/// Collects names inside the C iteration callback.
private final class NameBox {
    var names: [String] = []
}

/// Identifies an object by file number and header address, so two hard links to it compare equal.
struct H5ObjectKey: Hashable {
    let fileNumber: UInt
    let address: UInt64

    init(_ info: H5O_info_t) {
        fileNumber = UInt(info.fileno)
        address = UInt64(info.addr)
    }
}
