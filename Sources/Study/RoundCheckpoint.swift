import Foundation
import Matching

/// What a finished round leaves on disk (OUT/rounds/round_NNN.json): its results plus what the figures need.
struct RoundRecord: Codable {
    var result: ExperimentRound
    /// Harris inlier matches with the closest image (Figure 7), before and after.
    var figure7Before: [PointMatch]
    var figure7After: [PointMatch]
    var timings: [String: Double]
}

/// Identity of a study, stored beside the rounds (OUT/rounds/manifest.json) so `--resume` continues only the same one.
struct ExperimentManifest: Codable, Equatable {
    var model: String
    var arch: String?
    var images: [String]
    var settings: ExperimentSettings
}

extension ExperimentManifest {
    /// Reads OUT/rounds/manifest.json. A manifest written before `settings.matching` existed has no rule: its
    /// rounds were matched with the paper's, so it reads as `.paper` and `legacyMatching` is true.
    static func read(_ path: String) throws -> (manifest: ExperimentManifest, legacyMatching: Bool) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              var settings = object["settings"] as? [String: Any], settings["matching"] == nil else {
            return (try RoundCheckpoint.decoder().decode(ExperimentManifest.self, from: data), false)
        }
        settings["matching"] = MatchingRule.paper.rawValue
        object["settings"] = settings
        let upgraded = try JSONSerialization.data(withJSONObject: object)
        return (try RoundCheckpoint.decoder().decode(ExperimentManifest.self, from: upgraded), true)
    }
}

/// Round checkpoints and the manifest: Swift's own key names (read back exactly), non-finite numbers kept.
enum RoundCheckpoint {
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return e
    }

    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return d
    }
}
