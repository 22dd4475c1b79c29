import CHDF5

/// Something that carries HDF5 attributes: a group (including the root) or a dataset.
public protocol H5AttributeOwner {
    /// Handle to this object's attributes.
    var attributes: H5Attributes { get }
}

/// The attributes of one open group or dataset; use it through `H5AttributeOwner`'s methods.
public struct H5Attributes {
    let owner: H5Handle
    let location: H5Location

    /// Attribute names in HDF5's name order.
    func names() throws -> [String] {
        let box = AttributeNameBox()
        var index: hsize_t = 0
        let collect: H5A_operator2_t = { _, name, _, context in
            guard let name, let context else { return -1 }
            Unmanaged<AttributeNameBox>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }
        let ownerID = owner.id
        try check(location, "cannot list attributes") {
            H5Aiterate2(ownerID, H5_INDEX_NAME, H5_ITER_INC, &index, collect, Unmanaged.passUnretained(box).toOpaque())
        }
        return box.names
    }

    /// Whether an attribute called `name` exists.
    func contains(_ name: String) throws -> Bool {
        let ownerID = owner.id
        return try check(location, "cannot look up attribute '\(name)'") { H5Aexists(ownerID, name) } > 0
    }

    /// Opens, decodes and closes the attribute `name`.
    func value(_ name: String) throws -> H5AttributeValue {
        guard try contains(name) else { throw location.error("no attribute '\(name)'") }
        let ownerID = owner.id
        let attribute = try check(location, "cannot open attribute '\(name)'") {
            H5Aopen(ownerID, name, cs_H5P_DEFAULT())
        }
        defer { release(attribute, H5Aclose) }
        return try H5AttributeReader(attribute: attribute, name: name, location: location).read()
    }
}

/// Collects names inside the C attribute-iteration callback.
private final class AttributeNameBox {
    var names: [String] = []
}

extension H5AttributeOwner {
    /// Names of this object's attributes, in HDF5's name order.
    public func attributeNames() throws -> [String] {
        try attributes.names()
    }

    /// Whether the attribute `name` exists.
    public func hasAttribute(_ name: String) throws -> Bool {
        try attributes.contains(name)
    }

    /// Reads and decodes the attribute `name`; throws if it is missing or of an unsupported type.
    public func attribute(_ name: String) throws -> H5AttributeValue {
        try attributes.value(name)
    }

    /// Reads a list of strings stored as `name`, or — when absent — Keras' split form `name0`, `name1`, … joined in order.
    /// A scalar string reads as one element and an empty numeric array as an empty list.
    public func stringArray(named name: String) throws -> [String] {
        let store = attributes
        if try store.contains(name) { return try strings(in: store.value(name), named: name) }
        var result: [String] = []
        var part = 0
        while try store.contains("\(name)\(part)") {
            result += try strings(in: store.value("\(name)\(part)"), named: "\(name)\(part)")
            part += 1
        }
        guard part > 0 else { throw store.location.error("no attribute '\(name)' (nor split '\(name)0', '\(name)1', …)") }
        return result
    }

    private func strings(in value: H5AttributeValue, named name: String) throws -> [String] {
        guard let list = value.stringList else {
            throw attributes.location.error("attribute '\(name)' holds numbers, not strings")
        }
        return list
    }
}
