import Foundation
import Graph
import Imaging
import XCTest
@testable import Commands

/// Helpers shared by the train and experiment tests.
enum ExperimentTestSupport {
    static var repoRoot: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// The bundled digits model (Conv-like, 32x32x3 → 10 classes, Keras 3 h5), freshly loaded.
    static func digitsModel() throws -> (LoadedModel, String) {
        let path = try Demo.resource("digits_conv.h5")
        return (try ModelLoader.load(path, arch: nil), path)
    }

    static func tempDir(_ name: String) throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// A small textured RGB image: blobs, bars and a checker patch whose layout depends on `seed`,
    /// so SIFT and Harris find features at the matcher's size.
    static func syntheticImage(seed: Int, size: Int = 48) -> Image {
        var img = Image(width: size, height: size, channels: 3, fill: 0)
        var s = UInt64(seed &* 2654435761 &+ 12345)
        func rnd() -> Int { s = s &* 6364136223846793005 &+ 1442695040888963407; return Int((s >> 33) % 1000) }
        for y in 0..<size { for x in 0..<size {
            let base = Float((x * 3 + y * 5 + seed * 17) % 60 + 40)
            img[y, x, 0] = base; img[y, x, 1] = base * 0.8; img[y, x, 2] = base * 0.6
        } }
        for _ in 0..<6 {
            let cx = rnd() % size, cy = rnd() % size, r = 3 + rnd() % (size / 6)
            let col: [Float] = [Float(rnd() % 256), Float(rnd() % 256), Float(rnd() % 256)]
            for y in max(0, cy - r)..<min(size, cy + r) { for x in max(0, cx - r)..<min(size, cx + r)
                where (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r {
                for c in 0..<3 { img[y, x, c] = col[c] }
            } }
        }
        let ox = rnd() % (size / 2), oy = rnd() % (size / 2)
        for y in oy..<min(size, oy + 12) { for x in ox..<min(size, ox + 12) where ((x / 3) + (y / 3)) % 2 == 0 {
            for c in 0..<3 { img[y, x, c] = 255 }
        } }
        return img
    }

    /// `convscope experiment` as small as it goes (about a second a round in a debug build): the digits model,
    /// class 3, one epoch, two maximization steps, matching at 64×64.
    static func tinyExperimentArguments(model: String, images: String, rounds: Int, out: String) -> [String] {
        ["experiment", model, "--images", images, "--class", "3", "--rounds", "\(rounds)", "--epochs", "1", "--batch", "4",
         "--maximize-steps", "2", "--match-size", "64", "--ransac-trials", "10", "--words", "4", "--out", out]
    }

    static func writeImages(count: Int, to dir: URL, prefix: String = "img", seedOffset: Int = 0) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for i in 0..<count {
            try ImageFile.save(syntheticImage(seed: i + seedOffset), to: dir.appendingPathComponent(String(format: "%@_%02d.png", prefix, i)).path)
        }
    }
}

/// A small JSON Schema (draft 2020-12) validator: type, const, enum, properties, required,
/// additionalProperties, items, minItems, maxItems, minLength, minimum, maximum, exclusiveMinimum,
/// and $ref to "#/$defs/…". Unknown keywords are reported, so the schema cannot say more than is checked.
struct MiniJSONSchema {
    let root: JSON
    static let known: Set<String> = ["$schema", "$id", "title", "description", "type", "const", "enum", "properties", "required",
                                     "additionalProperties", "items", "minItems", "maxItems", "minLength", "minimum", "maximum",
                                     "exclusiveMinimum", "$ref", "$defs"]

    init(_ text: String) throws { root = try JSONParser().parse(text) }

    /// Every violation, as "path: problem".
    func validate(_ text: String) throws -> [String] {
        var errors: [String] = []
        check(try JSONParser().parse(text), root, "$", &errors)
        return errors
    }

    func typeMatches(_ v: JSON, _ t: String) -> Bool {
        switch (t, v) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number): return true
        case ("integer", .number(let d)): return d.rounded() == d
        default: return false
        }
    }

    func check(_ v: JSON, _ s: JSON, _ path: String, _ errors: inout [String]) {
        guard let schema = s.objectValue else { errors.append("\(path): schema is not an object"); return }
        for (k, _) in schema.pairs where !Self.known.contains(k) { errors.append("\(path): schema keyword '\(k)' is not supported by the test validator") }
        if let ref = s["$ref"]?.stringValue {
            guard ref.hasPrefix("#/$defs/"), let target = root["$defs"]?[String(ref.dropFirst("#/$defs/".count))] else {
                errors.append("\(path): unresolved $ref \(ref)"); return
            }
            check(v, target, path, &errors)
        }
        if let t = s["type"] {
            let types = t.arrayValue?.compactMap(\.stringValue) ?? [t.stringValue ?? ""]
            if !types.contains(where: { typeMatches(v, $0) }) { errors.append("\(path): expected \(types.joined(separator: "|")), got \(v)"); return }
        }
        if let c = s["const"], c != v { errors.append("\(path): expected \(c), got \(v)") }
        if let e = s["enum"]?.arrayValue, !e.contains(v) { errors.append("\(path): \(v) not in \(e)") }
        if let n = v.doubleValue {
            if let m = s["minimum"]?.doubleValue, n < m { errors.append("\(path): \(n) < minimum \(m)") }
            if let m = s["maximum"]?.doubleValue, n > m { errors.append("\(path): \(n) > maximum \(m)") }
            if let m = s["exclusiveMinimum"]?.doubleValue, n <= m { errors.append("\(path): \(n) <= exclusiveMinimum \(m)") }
        }
        if let str = v.stringValue, let m = s["minLength"]?.intValue, str.count < m { errors.append("\(path): shorter than \(m)") }
        if let a = v.arrayValue {
            if let m = s["minItems"]?.intValue, a.count < m { errors.append("\(path): \(a.count) items < minItems \(m)") }
            if let m = s["maxItems"]?.intValue, a.count > m { errors.append("\(path): \(a.count) items > maxItems \(m)") }
            if let items = s["items"] { for (i, x) in a.enumerated() { check(x, items, "\(path)[\(i)]", &errors) } }
        }
        if let o = v.objectValue {
            for r in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[r] == nil { errors.append("\(path): missing required '\(r)'") }
            for (k, x) in o.pairs {
                if let ps = s["properties"]?[k] { check(x, ps, "\(path).\(k)", &errors); continue }
                switch s["additionalProperties"] {
                case .bool(false)?: errors.append("\(path): unexpected property '\(k)'")
                case .object(let es)?: check(x, .object(es), "\(path).\(k)", &errors)
                default: break
                }
            }
        }
    }
}
