/// What `--format` names: a file layout, or `same` (the input file's own generation and layout).
/// The one resolver every command that writes a Keras file uses.
public enum KerasFormatChoice: Hashable, Sendable, CaseIterable, RawRepresentable, CustomStringConvertible {
    case same
    case format(KerasExportFormat)

    public static var allCases: [KerasFormatChoice] { [.same] + KerasExportFormat.allCases.map { .format($0) } }

    public init?(rawValue: String) {
        if rawValue == "same" { self = .same } else if let f = KerasExportFormat(rawValue: rawValue) { self = .format(f) } else { return nil }
    }

    public var rawValue: String {
        switch self {
        case .same: return "same"
        case .format(let f): return f.rawValue
        }
    }

    public var description: String { rawValue }

    /// The layout to write a model read from `file` in.
    public func resolve(for file: KerasModelFile) throws -> KerasExportFormat {
        switch self {
        case .format(let f): return f
        case .same: return try KerasExportFormat.same(as: file.generation, isFullModel: file.isFullModel, file: file.path)
        }
    }
}

extension KerasExportFormat {
    /// Refuses an output name Keras would not load this format from (`*.weights.h5` for Keras 3 weights files,
    /// `*.keras` for archives).
    public func requireLoadableName(_ out: String) throws {
        let name = out.lowercased()
        if self == .keras3Weights && !name.hasSuffix(".weights.h5") {
            throw KerasIOError(file: out, "Keras loads \(rawValue) files only when named *.weights.h5 (the input is one); name --out so, or pick --format weights-h5", kind: .unloadableName)
        }
        if self == .keras3ShardedWeights && !name.hasSuffix(".weights.json") {
            throw KerasIOError(file: out, "Keras loads sharded weights only from a manifest named *.weights.json; name --out so", kind: .unloadableName)
        }
        if self == .keras && !name.hasSuffix(".keras") {
            throw KerasIOError(file: out, "Keras loads .keras archives only when named *.keras; name --out so, or pick another --format", kind: .unloadableName)
        }
    }
}
