import Foundation

/// The Python-literal dictionary in an `.npy` header, parsed strictly: exactly the keys
/// 'descr', 'fortran_order' and 'shape', a dtype string, a bool and a tuple of ints.
struct NPYHeader {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    static func parse(_ text: String) throws -> NPYHeader {
        var p = Parser(chars: Array(text.unicodeScalars))
        var descr: String?, fortran: Bool?, shape: [Int]?
        try p.expect("{")
        while true {
            p.skipSpace()
            if p.consume("}") { break }
            let key = try p.string()
            try p.expect(":")
            switch key {
            case "descr" where descr == nil: descr = try p.string()
            case "fortran_order" where fortran == nil: fortran = try p.bool()
            case "shape" where shape == nil: shape = try p.tuple()
            default: throw p.error("unexpected or repeated key '\(key)'")
            }
            p.skipSpace()
            if p.consume(",") { continue }
            try p.expect("}")
            break
        }
        p.skipSpace()
        guard p.atEnd else { throw p.error("text after the header dictionary") }
        guard let descr, let fortran, let shape else { throw p.error("missing 'descr', 'fortran_order' or 'shape'") }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    private struct Parser {
        var chars: [Unicode.Scalar]
        var i = 0

        var atEnd: Bool { i >= chars.count }

        func error(_ m: String) -> ImagingError { ImagingError(.corrupt, "bad .npy header: \(m)") }

        mutating func skipSpace() {
            while i < chars.count, chars[i] == " " || chars[i] == "\n" || chars[i] == "\t" || chars[i] == "\r" { i += 1 }
        }

        mutating func consume(_ c: Unicode.Scalar) -> Bool {
            skipSpace()
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
            return true
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            guard consume(c) else { throw error("expected '\(c)'") }
        }

        mutating func string() throws -> String {
            skipSpace()
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw error("expected a quoted string") }
            let quote = chars[i]
            i += 1
            var out = String.UnicodeScalarView()
            while i < chars.count, chars[i] != quote {
                guard chars[i] != "\\", out.count < 64 else { throw error("unsupported string") }
                out.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw error("unterminated string") }
            i += 1
            return String(out)
        }

        mutating func bool() throws -> Bool {
            skipSpace()
            for (word, value) in [("True", true), ("False", false)] {
                let w = Array(word.unicodeScalars)
                if i + w.count <= chars.count, Array(chars[i..<(i + w.count)]) == w {
                    i += w.count
                    return value
                }
            }
            throw error("expected True or False")
        }

        mutating func tuple() throws -> [Int] {
            try expect("(")
            var dims = [Int]()
            while true {
                if consume(")") { break }
                skipSpace()
                var digits = 0
                var value = 0
                while i < chars.count, let d = Int(String(chars[i])), chars[i].isASCII {
                    // Reject absurd digit strings before they overflow.
                    guard digits < 18 else { throw error("dimension too large") }
                    value = value * 10 + d
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { throw error("expected a non-negative integer dimension") }
                // Python 2 era writers append L to longs.
                if i < chars.count, chars[i] == "L" { i += 1 }
                dims.append(value)
                guard dims.count <= 32 else { throw error("more than 32 dimensions") }
                if consume(",") { continue }
                try expect(")")
                break
            }
            return dims
        }
    }
}
