import CHDF5

/// One link met while walking a group tree.
public struct H5WalkEntry: Equatable, Sendable {
    /// Absolute HDF5 path of the link.
    public let path: String
    /// The link as stored; soft and external links are reported, not followed.
    public let link: H5Link
    /// 1 for the walked group's own children, 2 for grandchildren, and so on.
    public let depth: Int
    /// True for a hard link to a group already visited (a cycle or a shared group); it is not descended into.
    public let isRevisit: Bool
}

extension H5Group {
    /// Visits every link below this group depth-first in name order, entering each group once.
    ///
    /// Groups are identified by file number and object address, so hard-link cycles end the descent.
    /// Throws when groups nest deeper than `maxDepth`, which only hostile files do.
    public func walk(maxDepth: Int = 64, _ visit: (H5WalkEntry) throws -> Void) throws {
        var info = H5O_info_t()
        let ownID = handle.id
        try check(location, "cannot read object information") { H5Oget_info2(ownID, &info, cs_H5O_INFO_BASIC()) }
        var seen: Set<H5ObjectKey> = [H5ObjectKey(info)]
        try walk(depth: 1, maxDepth: maxDepth, seen: &seen, visit)
    }

    private func walk(
        depth: Int, maxDepth: Int, seen: inout Set<H5ObjectKey>, _ visit: (H5WalkEntry) throws -> Void
    ) throws {
        let lister = H5LinkLister(group: handle.id, location: location)
        for link in try lister.links() {
            let childPath = H5Path.join(path, link.name)
            guard link.kind == .group else {
                try visit(H5WalkEntry(path: childPath, link: link, depth: depth, isRevisit: false))
                continue
            }
            let isNew = seen.insert(try lister.objectKey(named: link.name)).inserted
            try visit(H5WalkEntry(path: childPath, link: link, depth: depth, isRevisit: !isNew))
            guard isNew else { continue }
            guard depth < maxDepth else {
                throw H5Location(file: filePath, object: childPath).error("groups nest deeper than \(maxDepth) levels")
            }
            // Opened by its single link name: the lister already established it is a hard link to a group.
            let childLocation = location.child(link.name)
            let ownID = handle.id
            let id = try check(childLocation, "cannot open group") { H5Gopen2(ownID, link.name, cs_H5P_DEFAULT()) }
            try H5Group(id: id, location: childLocation).walk(depth: depth + 1, maxDepth: maxDepth, seen: &seen, visit)
        }
    }
}
