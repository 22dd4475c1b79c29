import Tensor

/// A tensor of any shape shown as one grey plane: item 0's first axis as rows (one row for a vector), the rest of
/// its axes as columns. Saliency and maximization draw inputs that are not images this way.
public enum TensorGrid {
    /// Item 0 of `t` (batch first) as (1, rows, columns, 1).
    public static func plane(_ t: Tensor) -> Tensor {
        let item = Array(t.shape.dropFirst())
        let rows = item.count > 1 ? item[0] : 1
        let columns = max(1, t.itemCount / max(1, rows))
        return Tensor(shape: [1, rows, columns, 1], data: Array(t.data.prefix(rows * columns)))
    }

    /// `image` stretched (nearest) along each axis on its own until both sides reach `minSide` pixels.
    public static func zoomed(_ image: Image, minSide: Int = 64) -> Image {
        let fx = max(1, minSide / max(1, image.width)), fy = max(1, minSide / max(1, image.height))
        guard fx > 1 || fy > 1 else { return image }
        return image.resized(width: image.width * fx, height: image.height * fy, interpolation: .nearest)
    }
}
