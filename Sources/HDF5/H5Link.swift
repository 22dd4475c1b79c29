/// One entry of a group, as stored: soft and external links are described, never followed.
public struct H5Link: Equatable, Sendable {
    /// What a link points at.
    public enum Kind: Equatable, Sendable {
        case group, dataset, softLink, externalLink, other
    }

    /// The link's name inside its group.
    public let name: String
    /// The kind of link, or of the object a hard link points at.
    public let kind: Kind
    /// Soft links: the target path; external links: the object path inside `targetFile`.
    public let target: String?
    /// External links only: the file the link names.
    public let targetFile: String?

    /// Creates a link description.
    public init(name: String, kind: Kind, target: String? = nil, targetFile: String? = nil) {
        self.name = name
        self.kind = kind
        self.target = target
        self.targetFile = targetFile
    }
}
