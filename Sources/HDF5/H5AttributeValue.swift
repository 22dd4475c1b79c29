/// The value of an attribute, decoded from whatever HDF5 type stored it.
///
/// Numeric scalars read as one-element arrays; numeric values are written as 1-D arrays.
public enum H5AttributeValue: Equatable, Sendable {
    /// A scalar string (fixed-length or variable-length).
    case string(String)
    /// A 1-D (or flattened) array of strings.
    case strings([String])
    /// Integers of any width and sign, widened to Int64.
    case ints([Int64])
    /// Floats of any width, widened to Double.
    case doubles([Double])

    /// The strings this value holds: a scalar string as one element, an empty numeric array as none.
    /// Nil for non-empty numbers (Keras writes an empty name list as a float64 array of shape (0,)).
    public var stringList: [String]? {
        switch self {
        case .string(let value): return [value]
        case .strings(let values): return values
        case .ints(let values): return values.isEmpty ? [] : nil
        case .doubles(let values): return values.isEmpty ? [] : nil
        }
    }
}
