/// TensorFlow's `DataType` values a bundle can hold weights in (docs/tf-containers.md §1.3).
public enum TFDataType: Int32, Sendable, CaseIterable {
    case float = 1, double = 2, int32 = 3, uint8 = 4, int16 = 5, int8 = 6, string = 7, int64 = 9, bool = 10
    case bfloat16 = 14, uint16 = 17, half = 19, uint32 = 22, uint64 = 23

    /// Bytes per element; 0 for strings (variable length).
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .uint16, .bfloat16, .half: return 2
        case .float, .int32, .uint32: return 4
        case .double, .int64, .uint64: return 8
        case .string: return 0
        }
    }

    /// The name `tf.train.list_variables` users know (numpy's).
    public var name: String {
        switch self {
        case .float: return "float32"
        case .double: return "float64"
        case .int32: return "int32"
        case .uint8: return "uint8"
        case .int16: return "int16"
        case .int8: return "int8"
        case .string: return "string"
        case .int64: return "int64"
        case .bool: return "bool"
        case .bfloat16: return "bfloat16"
        case .uint16: return "uint16"
        case .half: return "float16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        }
    }

    /// Converts little-endian elements to Float (what the graph runs in).
    func floats(_ raw: UnsafeRawBufferPointer, count n: Int) -> [Float] {
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
        switch self {
        case .float:
            // Little-endian host (x86-64, arm64): the bytes are the floats.
            return [Float](unsafeUninitializedCapacity: n) { buf, made in
                UnsafeMutableRawBufferPointer(buf).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * 4)]))
                made = n
            }
        case .double: return (0..<n).map { Float(Double(bitPattern: load(UInt64.self, $0))) }
        case .half: return (0..<n).map { Float(Float16(bitPattern: load(UInt16.self, $0))) }
        case .bfloat16: return (0..<n).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }
        case .int32: return (0..<n).map { Float(load(Int32.self, $0)) }
        case .uint8: return (0..<n).map { Float(load(UInt8.self, $0)) }
        case .int16: return (0..<n).map { Float(load(Int16.self, $0)) }
        case .int8: return (0..<n).map { Float(load(Int8.self, $0)) }
        case .int64: return (0..<n).map { Float(load(Int64.self, $0)) }
        case .bool: return (0..<n).map { load(UInt8.self, $0) == 0 ? 0 : 1 }
        case .uint16: return (0..<n).map { Float(load(UInt16.self, $0)) }
        case .uint32: return (0..<n).map { Float(load(UInt32.self, $0)) }
        case .uint64: return (0..<n).map { Float(load(UInt64.self, $0)) }
        case .string: return []
        }
    }
}
