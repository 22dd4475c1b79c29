import Failure
import Foundation

/// Errors from parsing untrusted JSON text (Keras `model_config` and friends).
public struct JSONParseError: ConvScopeFailure {
    public let message: String
    public let offset: Int
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// A strict JSON parser with limits, because model files are untrusted input:
/// Foundation's parser recurses without bound and would overflow the stack on
/// hostile nesting.
public struct JSONParser {
    public var maxDepth = 512
    public var maxBytes = 256 << 20

    public init(maxDepth: Int = 512, maxBytes: Int = 256 << 20) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }

    public func parse(_ text: String) throws -> JSON {
        try parse(Array(text.utf8))
    }

    public func parse(_ bytes: [UInt8]) throws -> JSON {
        guard bytes.count <= maxBytes else {
            throw JSONParseError(message: "text of \(bytes.count) bytes exceeds the limit of \(maxBytes)", offset: 0)
        }
        var reader = Reader(bytes: bytes, maxDepth: maxDepth)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.pos == bytes.count else { throw reader.fail("trailing characters") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        let maxDepth: Int
        var pos = 0

        init(bytes: [UInt8], maxDepth: Int) { self.bytes = bytes; self.maxDepth = maxDepth }

        func fail(_ m: String) -> JSONParseError { JSONParseError(message: m, offset: pos) }

        mutating func skipSpace() {
            while pos < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[pos]) { pos += 1 }
        }

        mutating func expect(_ literal: String) throws {
            for b in literal.utf8 {
                guard pos < bytes.count, bytes[pos] == b else { throw fail("expected '\(literal)'") }
                pos += 1
            }
        }

        mutating func value(depth: Int) throws -> JSON {
            guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
            guard pos < bytes.count else { throw fail("unexpected end of text") }
            switch bytes[pos] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            // Python's json writes these for non-finite floats; Keras configs can contain them.
            case UInt8(ascii: "N"): try expect("NaN"); return .number(.nan)
            case UInt8(ascii: "I"): try expect("Infinity"); return .number(.infinity)
            default: return .number(try number())
            }
        }

        mutating func object(depth: Int) throws -> JSON {
            pos += 1
            var obj = JSONObject()
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
            while true {
                skipSpace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                let key = try string()
                skipSpace()
                try expect(":")
                skipSpace()
                obj[key] = try value(depth: depth + 1)
                skipSpace()
                guard pos < bytes.count else { throw fail("unterminated object") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
                throw fail("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSON {
            pos += 1
            var items: [JSON] = []
            skipSpace()
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard pos < bytes.count else { throw fail("unterminated array") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        }

        mutating func number() throws -> Double {
            let start = pos
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") {
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "I") { try expect("Infinity"); return -.infinity }
            }
            while pos < bytes.count, "0123456789.eE+-".utf8.contains(bytes[pos]) { pos += 1 }
            guard pos > start, let s = String(bytes: bytes[start..<pos], encoding: .ascii), let d = Double(s) else {
                pos = start
                throw fail("invalid value")
            }
            return d
        }

        mutating func string() throws -> String {
            pos += 1
            var out = [UInt8]()
            while true {
                guard pos < bytes.count else { throw fail("unterminated string") }
                let b = bytes[pos]
                pos += 1
                if b == UInt8(ascii: "\"") { break }
                if b != UInt8(ascii: "\\") { out.append(b); continue }
                guard pos < bytes.count else { throw fail("unterminated escape") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    out += Array(String(Character(try unicodeEscape(at: pos - 2))).utf8)
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                default:
                    pos -= 2
                    let shown = (0x21...0x7E).contains(e) ? "'\\\(Unicode.Scalar(e))'" : "of a backslash before byte 0x\(String(e, radix: 16))"
                    throw fail("invalid escape \(shown) (JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// The scalar of a `\uXXXX` escape whose backslash is at `start` (`pos` is just past the `u`):
        /// a UTF-16 surrogate must come as a high-low pair (`\uD83D\uDE00`); a lone or reversed
        /// surrogate is no Unicode scalar and is refused, with the escape's byte position.
        mutating func unicodeEscape(at start: Int) throws -> Unicode.Scalar {
            let first = try hex4(escapeAt: start)
            switch first {
            case 0xDC00...0xDFFF:
                pos = start
                throw fail("invalid \\u escape: low surrogate \\u\(hexString(first)) without a high surrogate before it")
            case 0xD800...0xDBFF:
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    pos = start
                    throw fail("invalid \\u escape: high surrogate \\u\(hexString(first)) not followed by a low surrogate \\uDC00-\\uDFFF")
                }
                let secondStart = pos
                pos += 2
                let second = try hex4(escapeAt: secondStart)
                guard (0xDC00...0xDFFF).contains(second) else {
                    pos = secondStart
                    throw fail("invalid \\u escape: high surrogate \\u\(hexString(first)) followed by \\u\(hexString(second)), not a low surrogate \\uDC00-\\uDFFF")
                }
                // Both halves are in range, so the pair is a scalar in U+10000...U+10FFFF.
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
            default:
                // Outside the surrogate block every 16-bit value is a scalar.
                return Unicode.Scalar(first)!
            }
        }

        /// Four hex digits at `pos` (the escape's backslash is at `start`, where an error points).
        mutating func hex4(escapeAt start: Int) throws -> UInt32 {
            var value: UInt32 = 0
            for i in 0..<4 {
                guard pos + i < bytes.count else {
                    pos = start
                    throw fail("invalid \\u escape: text ends inside it (four hex digits needed)")
                }
                let b = bytes[pos + i]
                let digit: UInt32
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
                default:
                    pos = start
                    throw fail("invalid \\u escape: four hex digits needed, found byte 0x\(String(b, radix: 16)) at byte \(start + 2 + i)")
                }
                value = value << 4 | digit
            }
            pos += 4
            return value
        }

        func hexString(_ v: UInt32) -> String {
            let s = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 4 - s.count)) + s
        }
    }
}

extension JSON {
    /// Serialises compactly, keys in stored order (as Python's json.dumps with separators (", ", ": ")).
    public func serialized() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d > 0 ? "Infinity" : "-Infinity" }
            else if d.rounded() == d && abs(d) < 1e15 { out += String(Int(d)) }
            else { out += "\(d)" }
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += ", " }; v.write(to: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.pairs.enumerated() {
                if i > 0 { out += ", " }
                JSON.writeString(k, to: &out)
                out += ": "
                v.write(to: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}
