import Foundation

/// Where the tests find the repository's files, from this file's place in the checkout
/// (Tests/TestSupport/Repository.swift): every test target reads Tests/Resources in place,
/// none copies it into a resource bundle.
public enum Repository {
    /// The repository's root folder.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Tests/Resources: the small reference files of the test targets (hdf5, imaging, layers, matching,
    /// training; each beside the make.py that wrote it) and the fuzz regressions (regressions, contained).
    public static let resources = root.appendingPathComponent("Tests/Resources")

    /// A file or folder under Tests/Resources, e.g. `resource("hdf5/links.h5")`.
    public static func resource(_ relative: String) -> URL { resources.appendingPathComponent(relative) }
}
