/// One filter in a chunked dataset's pipeline.
public struct H5Filter: Equatable, Sendable {
    /// The HDF5 filter id; ids 1–6 are built into HDF5, the rest are plugins.
    public let id: Int
    /// The name stored with the filter (may be empty for plugins).
    public let name: String
    /// Whether HDF5 may skip the filter when it cannot apply it.
    public let isOptional: Bool

    /// Ids built into libhdf5: deflate, shuffle, fletcher32, szip, nbit, scaleoffset.
    public static let standardIDs: Set<Int> = [1, 2, 3, 4, 5, 6]

    /// Whether this is one of HDF5's built-in filters rather than user-defined code.
    public var isStandard: Bool { Self.standardIDs.contains(id) }

    /// Creates a filter description.
    public init(id: Int, name: String, isOptional: Bool) {
        self.id = id
        self.name = name
        self.isOptional = isOptional
    }
}
