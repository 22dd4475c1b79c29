/// Pure string helpers for HDF5 object paths ("/a/b").
enum H5Path {
    /// Joins a parent path and a relative name with exactly one slash.
    static func join(_ parent: String, _ name: String) -> String {
        if name.hasPrefix("/") { return name }
        if parent.hasSuffix("/") { return parent + name }
        return parent + "/" + name
    }

    /// The non-empty components of a path, with "." dropped ("a//./b" -> ["a", "b"]).
    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true)
            .map(String.init)
            .filter { $0 != "." }
    }
}
