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
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), pos + 1 < bytes.count,
                       bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                        pos += 2
                        let low = try hex4()
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let ch = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out += Array(String(Character(ch)).utf8)
                default: out.append(e)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func hex4() throws -> UInt32 {
            guard pos + 4 <= bytes.count, let s = String(bytes: bytes[pos..<pos + 4], encoding: .ascii),
                  let v = UInt32(s, radix: 16) else { throw fail("invalid \\u escape") }
            pos += 4
            return v
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
