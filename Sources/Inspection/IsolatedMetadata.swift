import Foundation
import KerasIO

extension ModelInspection {
    /// The report without `--weights` statistics and `--tree`, and the stored weights those read. A file inspected
    /// alone is read once, in a forked child (the crash containment `KerasFile.preflight` gives every read), which
    /// hands back what it read; when the child meets an ordinary error it is read again in-process to report it.
    static func metadata(path: String, arch: String? = nil, paired: PairedModel? = nil, tree: Bool, expandNested: Bool,
                         cost: CostRows = CostRows()) throws -> (InspectReport, StoredWeights) {
        if paired == nil, let data = try KerasFile.isolatedOutput(file: path, { () -> Data? in
            guard let m = try? metadataInProcess(path: path, tree: tree, expandNested: expandNested, cost: cost, isolated: true) else { return nil }
            return try? IsolatedMetadata.encoder.encode(IsolatedMetadata(report: m.0, stored: m.1))
        }), let m = try? IsolatedMetadata.decoder.decode(IsolatedMetadata.self, from: data) {
            return (m.report, m.stored)
        }
        return try metadataInProcess(path: path, arch: arch, paired: paired, tree: tree, expandNested: expandNested, cost: cost)
    }
}

/// What the isolated child sends back (JSON; non-finite numbers as strings so every report survives the trip).
/// The report's `storedWeights` are `stored.weights`: sent once.
struct IsolatedMetadata: Codable {
    var report: InspectReport
    var stored: StoredWeights

    init(report: InspectReport, stored: StoredWeights) {
        self.report = report
        self.stored = stored
    }

    enum CodingKeys: String, CodingKey { case report, stored }
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stored = try c.decode(StoredWeights.self, forKey: .stored)
        report = try c.decode(InspectReport.self, forKey: .report)
        report.storedWeights = stored.weights
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        var lean = report
        lean.storedWeights = []
        try c.encode(lean, forKey: .report)
        try c.encode(stored, forKey: .stored)
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}
