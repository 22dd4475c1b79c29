import CHDF5

/// The stored element type of a dataset, as far as ConvScope cares.
public enum H5DataType: Equatable, Sendable, CustomStringConvertible {
    case float16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case string
    /// Anything else, named by its HDF5 class (e.g. "compound", "enum", "bfloat16").
    case other(String)

    /// Whether reads can convert this type to `Float`/`Double`.
    public var isNumeric: Bool {
        switch self {
        case .string, .other: return false
        default: return true
        }
    }

    /// NumPy-style name, e.g. "float32" or "uint8".
    public var description: String {
        switch self {
        case .float16: return "float16"
        case .float32: return "float32"
        case .float64: return "float64"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .string: return "string"
        case .other(let name): return name
        }
    }

    /// Classifies an HDF5 datatype identifier.
    static func classify(_ type: hid_t, at location: H5Location) throws -> H5DataType {
        let typeClass = try check(location, "cannot read datatype class") { H5Tget_class(type).rawValue }
        let size = try check(location, "cannot read datatype size", failsIf: { $0 == 0 }) { H5Tget_size(type) }
        switch H5T_class_t(rawValue: typeClass) {
        case H5T_FLOAT:
            return try classifyFloat(type, size: size, at: location)
        case H5T_INTEGER:
            let sign = try check(location, "cannot read integer sign") { H5Tget_sign(type).rawValue }
            let signed = H5T_sign_t(rawValue: sign) == H5T_SGN_2
            switch size {
            case 1: return signed ? .int8 : .uint8
            case 2: return signed ? .int16 : .uint16
            case 4: return signed ? .int32 : .uint32
            case 8: return signed ? .int64 : .uint64
            default: return .other("\(signed ? "int" : "uint")\(size * 8)")
            }
        case H5T_STRING: return .string
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_BITFIELD: return .other("bitfield")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_REFERENCE: return .other("reference")
        case H5T_VLEN: return .other("vlen")
        case H5T_ARRAY: return .other("array")
        case H5T_TIME: return .other("time")
        default: return .other("class \(typeClass)")
        }
    }

    /// IEEE half/single/double; other layouts (bfloat16, 80-bit) are named by their bit fields.
    private static func classifyFloat(_ type: hid_t, size: Int, at location: H5Location) throws -> H5DataType {
        var signPos = 0, exponentPos = 0, exponentBits = 0, mantissaPos = 0, mantissaBits = 0
        try check(location, "cannot read float layout") {
            H5Tget_fields(type, &signPos, &exponentPos, &exponentBits, &mantissaPos, &mantissaBits)
        }
        switch (size, exponentBits, mantissaBits) {
        case (2, 5, 10): return .float16
        case (4, 8, 23): return .float32
        case (8, 11, 52): return .float64
        case (2, 8, 7): return .other("bfloat16")
        default: return .other("float\(size * 8)(e\(exponentBits)m\(mantissaBits))")
        }
    }
}
