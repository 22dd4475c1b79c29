import Foundation
import ONNXMessages

/// Node attributes as the lowerings spell them: `.ints("strides", [2, 2])`.
public enum ONNXAttribute {
    case int(String, Int)
    case ints(String, [Int])
    case float(String, Float)
    case floats(String, [Float])
    case string(String, String)
    case strings(String, [String])

    var proto: ONNXAttributeProto {
        var a = ONNXAttributeProto()
        switch self {
        case .int(let n, let v): a.name = n; a.type = .int; a.i = Int64(v)
        case .ints(let n, let v): a.name = n; a.type = .ints; a.ints = v.map(Int64.init)
        case .float(let n, let v): a.name = n; a.type = .float; a.f = v
        case .floats(let n, let v): a.name = n; a.type = .floats; a.floats = v
        case .string(let n, let v): a.name = n; a.type = .string; a.s = Data(v.utf8)
        case .strings(let n, let v): a.name = n; a.type = .strings; a.strings = v.map { Data($0.utf8) }
        }
        return a
    }
}
