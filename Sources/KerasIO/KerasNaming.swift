import Foundation

/// Keras 3's names for saved objects (`keras.src.utils.naming`).
public enum KerasNaming {
    /// `to_snake_case`: `Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization`, `ReLU` → `re_lu`.
    public static func snakeCase(_ name: String) -> String {
        var s = name.replacingOccurrences(of: "\\W+", with: "", options: .regularExpression)
        s = s.replacingOccurrences(of: "(.)([A-Z][a-z]+)", with: "$1_$2", options: .regularExpression)
        s = s.replacingOccurrences(of: "([a-z])([A-Z])", with: "$1_$2", options: .regularExpression)
        return s.lowercased()
    }

    /// Group keys Keras 3 gives a container's layers, in order: `conv2d`, `conv2d_1`, `dense`, …
    public static func keys(forClassNames classes: [String]) -> [String] {
        var seen: [String: Int] = [:]
        return classes.map { cls in
            let base = snakeCase(cls == "Model" ? "Functional" : cls)
            let n = seen[base, default: 0]
            seen[base] = n + 1
            return n == 0 ? base : "\(base)_\(n)"
        }
    }
}
