import Foundation
import Graph

/// A JSON Schema (draft 2020-12) validator for the keywords Schemas/ uses: type, properties, required,
/// additionalProperties, items, enum, oneOf, minimum, $ref to #/$defs. Returns every violation with its path.
public struct SchemaValidator {
    let root: JSON

    public init(schemaFile: URL) throws {
        root = try JSONParser().parse(String(decoding: try Data(contentsOf: schemaFile), as: UTF8.self))
    }

    public func validate(_ value: JSON) -> [String] {
        var errors: [String] = []
        check(value, against: root, path: "$", errors: &errors)
        return errors
    }

    private func resolve(_ schema: JSON) -> JSON {
        guard let ref = schema["$ref"]?.stringValue else { return schema }
        var node = root
        for part in ref.dropFirst(2).split(separator: "/") { node = node[String(part)] ?? .null }
        return node
    }

    private func check(_ v: JSON, against raw: JSON, path: String, errors: inout [String]) {
        let s = resolve(raw)
        if let t = s["type"]?.stringValue, !matches(v, type: t) {
            errors.append("\(path): expected \(t), found \(v.serialized().prefix(60))")
            return
        }
        if let options = s["enum"]?.arrayValue, !options.contains(v) {
            errors.append("\(path): \(v.serialized()) is not one of \(JSON.array(options).serialized())")
        }
        if let m = s["minimum"]?.doubleValue, let d = v.doubleValue, d < m { errors.append("\(path): \(d) < minimum \(m)") }
        if let one = s["oneOf"]?.arrayValue {
            let passing = one.filter { opt in var e: [String] = []; check(v, against: opt, path: path, errors: &e); return e.isEmpty }
            if passing.count != 1 { errors.append("\(path): matches \(passing.count) of the oneOf alternatives") }
        }
        if case .object(let o) = v {
            let props = s["properties"]?.objectValue
            for key in s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[key] == nil {
                errors.append("\(path): missing required '\(key)'")
            }
            for (k, child) in o.pairs {
                if let p = props?[k] {
                    check(child, against: p, path: "\(path).\(k)", errors: &errors)
                } else if let extra = s["additionalProperties"] {
                    if extra == .bool(false) { errors.append("\(path): unexpected key '\(k)'") }
                    else if extra.objectValue != nil { check(child, against: extra, path: "\(path).\(k)", errors: &errors) }
                }
            }
        }
        if case .array(let a) = v, let items = s["items"] {
            for (i, child) in a.enumerated() { check(child, against: items, path: "\(path)[\(i)]", errors: &errors) }
        }
    }

    private func matches(_ v: JSON, type: String) -> Bool {
        switch (type, v) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("number", .number): return true
        case ("integer", .number(let d)): return d.rounded() == d
        // JSONEncoder writes non-finite floats as strings ("NaN", "Infinity").
        case ("number", .string(let s)): return ["NaN", "Infinity", "-Infinity"].contains(s)
        default: return false
        }
    }
}
