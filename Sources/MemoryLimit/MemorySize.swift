import Failure
import Foundation

/// Human sizes for `--max-memory`: "512M", "2G", "1.5GiB", "800MB", "1048576".
///
/// Units are powers of 1024 whether written K, KB or KiB (as `docker --memory` and `java -Xmx` read
/// them): a memory limit is compared with allocations, which come in binary units.
public enum MemorySize {
    public struct ParseError: ConvScopeFailure, Equatable, Sendable {
        public let description: String
    }

    static let units: [(names: [String], scale: Int)] = [
        (["", "b"], 1), (["k", "kb", "kib"], 1 << 10), (["m", "mb", "mib"], 1 << 20),
        (["g", "gb", "gib"], 1 << 30), (["t", "tb", "tib"], 1 << 40),
    ]

    /// Bytes for `text`; refuses zero, negative, overflowing and unreadable sizes with one line.
    public static func parse(_ text: String) throws -> Int {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = String(trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") })
        let unit = String(trimmed.dropFirst(number.count)).trimmingCharacters(in: .whitespaces).lowercased()
        let example = "give bytes or a number with K, M, G or T (powers of 1024), e.g. 512M, 2G, 1.5GiB"
        guard let scale = units.first(where: { $0.names.contains(unit) })?.scale, let value = Double(number), value.isFinite else {
            throw ParseError(description: "'\(text)' is not a size: \(example)")
        }
        guard value > 0 else {
            throw ParseError(description: "'\(text)' is not a positive size: a memory limit must be at least 1 byte; \(example)")
        }
        let bytes = value * Double(scale)
        // 2^63 is the first Double that Int cannot hold.
        guard bytes < 0x1p63 else { throw ParseError(description: "'\(text)' is larger than this machine can address") }
        // Integers exactly (a Double loses bits above 2^53); the check above rules out overflow.
        if let whole = Int(number) { return whole * scale }
        guard bytes >= 1 else {
            throw ParseError(description: "'\(text)' is less than one byte: a memory limit must be at least 1 byte")
        }
        return Int(bytes)
    }

    /// "1000 bytes", "1 KiB", "1.5 GiB": one decimal at most, in the largest unit that keeps the number ≥ 1.
    public static func format(_ bytes: Int) -> String {
        let names = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return bytes == 1 ? "1 byte" : "\(bytes) bytes" }
        var value = Double(bytes), index = -1
        while index + 1 < names.count, (value / 1024 * 10).rounded() >= 10 {
            value /= 1024
            index += 1
        }
        let tenths = (value * 10).rounded()
        let shown = tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))" : "\(tenths / 10)"
        return "\(shown) \(names[index])"
    }
}
