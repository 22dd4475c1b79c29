import Foundation

/// Encodes command results for `--json`: sorted keys, so output is stable and diffable.
public enum JSONOutput {
    public static func string<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try e.encode(value), as: UTF8.self)
    }
}
