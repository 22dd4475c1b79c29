import CHDF5

/// An open HDF5 group: lists its links and opens children by relative path without following soft or external links.
public final class H5Group: H5AttributeOwner {
    /// Absolute HDF5 path of this group, e.g. "/model_weights/conv".
    public var path: String { location.object }
    /// Path of the file on disk that holds this group.
    public var filePath: String { location.file }
    let handle: H5Handle
    let location: H5Location

    init(id: hid_t, location: H5Location) {
        self.handle = H5Handle(id, closer: H5Gclose)
        self.location = location
    }

    /// The attributes stored on this group.
    public var attributes: H5Attributes { H5Attributes(owner: handle, location: location) }

    /// This group's links in name order; soft and external links are reported with their targets.
    public func children() throws -> [H5Link] {
        try H5LinkLister(group: handle.id, location: location).links()
    }

    /// Opens the group at `path` (relative, or absolute from the file root), refusing soft or external links.
    public func group(_ path: String) throws -> H5Group {
        let target = try resolve(path, expecting: .group)
        let id = try target.parent.use { parentID in
            try check(target.location, "cannot open group") { H5Gopen2(parentID, target.name, cs_H5P_DEFAULT()) }
        }
        return H5Group(id: id, location: target.location)
    }

    /// Opens the dataset at `path` (relative, or absolute from the file root), refusing soft or external links.
    public func dataset(_ path: String) throws -> H5Dataset {
        let target = try resolve(path, expecting: .dataset)
        let id = try target.parent.use { parentID in
            try check(target.location, "cannot open dataset") { H5Dopen2(parentID, target.name, cs_H5P_DEFAULT()) }
        }
        return try H5Dataset(id: id, location: target.location)
    }

    /// Whether a link of any kind exists at `path`; a path through a soft or external link counts as absent.
    public func hasChild(_ path: String) throws -> Bool {
        var names = H5Path.components(path)
        guard let last = names.popLast() else { return true }
        guard let parent = try openGroups(names, absolute: path.hasPrefix("/"), strict: false) else { return false }
        let link = try parent.use { parentID in
            try H5LinkLister(group: parentID, location: objectLocation(path)).linkIfPresent(named: last)
        }
        return link != nil
    }

    // MARK: - Path resolution

    /// A link's parent group (kept open by `parent`) and its name in that group.
    struct ResolvedPath {
        let parent: OpenGroup
        let name: String
        let location: H5Location
    }

    /// A group identifier that is either this group's own (borrowed) or an intermediate one (owned).
    final class OpenGroup {
        private let id: hid_t
        private let owned: H5Handle?

        init(borrowing id: hid_t) { self.id = id; owned = nil }
        init(owning handle: H5Handle) { id = handle.id; owned = handle }

        /// Runs `body` with the identifier, keeping an owned handle alive until it returns.
        func use<T>(_ body: (hid_t) throws -> T) rethrows -> T {
            try withExtendedLifetime(self) { try body(id) }
        }
    }

    /// The location of `path` resolved against this group (or the root when absolute).
    func objectLocation(_ path: String) -> H5Location {
        let relative = H5Path.components(path).joined(separator: "/")
        let base = path.hasPrefix("/") ? "/" : location.object
        return H5Location(file: location.file, object: relative.isEmpty ? base : H5Path.join(base, relative))
    }

    /// Walks `path` one hard link at a time and checks the final link points at the expected kind.
    func resolve(_ path: String, expecting kind: H5Link.Kind) throws -> ResolvedPath {
        var names = H5Path.components(path)
        let absolute = path.hasPrefix("/")
        let target = objectLocation(path)
        guard let last = names.popLast() else {
            guard kind == .group else { throw target.error("path names a group, not a dataset") }
            return ResolvedPath(parent: try openStart(absolute), name: ".", location: target)
        }
        guard let parent = try openGroups(names, absolute: absolute, strict: true) else {
            throw target.error("cannot resolve path")  // unreachable: strict mode throws instead
        }
        let link = try parent.use { try H5LinkLister(group: $0, location: target).link(named: last) }
        guard link.kind == kind else { throw Self.refusal(link, at: target, expected: kind) }
        return ResolvedPath(parent: parent, name: last, location: target)
    }

    /// Opens each named group in turn through hard links only.
    /// With `strict` false, a missing or non-group component yields nil instead of an error.
    private func openGroups(_ names: [String], absolute: Bool, strict: Bool) throws -> OpenGroup? {
        var current = try openStart(absolute)
        var walked = absolute ? "/" : location.object
        for name in names {
            let here = H5Location(file: location.file, object: walked)
            walked = H5Path.join(walked, name)
            let next = H5Location(file: location.file, object: walked)
            let found = try current.use { try H5LinkLister(group: $0, location: here).linkIfPresent(named: name) }
            guard let link = found, link.kind == .group else {
                guard strict else { return nil }
                guard let link = found else { throw next.error("no such group") }
                throw Self.refusal(link, at: next, expected: .group)
            }
            let id = try current.use { parentID in
                try check(next, "cannot open group") { H5Gopen2(parentID, name, cs_H5P_DEFAULT()) }
            }
            current = OpenGroup(owning: H5Handle(id, closer: H5Gclose))
        }
        return current
    }

    /// This group, or the file's root group for absolute paths.
    private func openStart(_ absolute: Bool) throws -> OpenGroup {
        guard absolute else { return OpenGroup(borrowing: handle.id) }
        let ownID = handle.id
        let id = try check(location, "cannot open root group") { H5Gopen2(ownID, "/", cs_H5P_DEFAULT()) }
        return OpenGroup(owning: H5Handle(id, closer: H5Gclose))
    }

    /// The error for a link that is not what the caller asked for; links are never followed.
    private static func refusal(_ link: H5Link, at location: H5Location, expected: H5Link.Kind) -> H5Error {
        switch link.kind {
        case .softLink:
            return location.error("is a soft link to '\(link.target ?? "?")'; links are not followed")
        case .externalLink:
            return location.error(
                "is an external link to '\(link.targetFile ?? "?")':'\(link.target ?? "?")'; links are not followed")
        default:
            return location.error("is a \(link.kind), not a \(expected)")
        }
    }
}
