import HDF5
import KerasIO

/// `inspect --tree`: a Keras HDF5 file's objects, links reported and never followed.
enum ObjectTree {
    /// The HDF5 objects with their attributes (long values shortened).
    static func entries(_ path: String) throws -> [InspectReport.TreeEntry] {
        try KerasFile.withWeightsHDF5(path) { f in
            var out: [InspectReport.TreeEntry] = []
            let root = try f.root
            out.append(.init(path: "/", kind: "group", shape: nil, dtype: nil, attributes: try attributes(of: root)))
            try root.walk { e in
                guard !e.isRevisit else { return }
                switch e.link.kind {
                case .group:
                    out.append(.init(path: e.path, kind: "group", shape: nil, dtype: nil, attributes: try attributes(of: try root.group(e.path))))
                case .dataset:
                    let d = try root.dataset(e.path)
                    out.append(.init(path: e.path, kind: "dataset", shape: d.shape, dtype: "\(d.dtype)", attributes: try attributes(of: d)))
                case .softLink:
                    out.append(.init(path: e.path, kind: "soft link (not followed)", shape: nil, dtype: nil, attributes: ["target": e.link.target ?? "?"]))
                case .externalLink:
                    out.append(.init(path: e.path, kind: "external link (not followed)", shape: nil, dtype: nil,
                                     attributes: ["target": "\(e.link.targetFile ?? "?"):\(e.link.target ?? "?")"]))
                case .other:
                    out.append(.init(path: e.path, kind: "other", shape: nil, dtype: nil, attributes: [:]))
                }
            }
            return out
        }
    }

    static func attributes(of owner: some H5AttributeOwner) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try owner.attributeNames() {
            let text: String
            switch try owner.attribute(name) {
            case .string(let s): text = s
            case .strings(let a): text = "[" + a.joined(separator: ", ") + "]"
            case .ints(let a): text = "\(a)"
            case .doubles(let a): text = "\(a)"
            }
            out[name] = text.count > 120 ? String(text.prefix(117)) + "…" : text
        }
        return out
    }
}
