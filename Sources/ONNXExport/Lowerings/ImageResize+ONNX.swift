import Graph
import Tensor

/// Resizing and CenterCrop as the layer computes them (`ImageResize`: TensorFlow's half-pixel centres,
/// no antialias, the crop window of `crop_to_aspect_ratio` / CenterCrop): rows then columns gathered by
/// the layer's own source-index tables and, for bilinear, blended by its weights
/// (lo + (hi − lo)·w, the same arithmetic in the same order), so the ONNX model equals the layer at every
/// opset. ONNX Resize would need `tf_crop_and_resize` extrapolation rules and a different rounding of
/// the scale for the cropped window.
extension Resizing: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { ONNXImageResize.lower(resize(c.inputShapes[0][0], c.inputShapes[0][1]), c) }
}

extension CenterCrop: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String { ONNXImageResize.lower(resize(c.inputShapes[0][0], c.inputShapes[0][1]), c) }
}

enum ONNXImageResize {
    /// (N, H, W, C) → (N, outH, outW, C).
    static func lower(_ r: ImageResize, _ c: ONNXLoweringContext) -> String {
        let b = c.builder, n = c.name
        func gather(_ x: String, _ index: [Int], axis: Int) -> String {
            b.op("Gather", [x, b.int64s(index, name: "\(n)/index")], name: n, .int("axis", axis))
        }
        func blend(_ x: String, _ t: ImageResize.AxisTable, axis: Int) -> String {
            let lo = gather(x, t.lo, axis: axis)
            guard r.bilinear else { return lo }
            let w = b.constant(Tensor(shape: axis == 1 ? [t.w.count, 1, 1] : [t.w.count, 1], data: t.w), name: "\(n)/weight")
            let hi = gather(x, t.hi, axis: axis)
            return b.op("Add", [lo, b.op("Mul", [b.op("Sub", [hi, lo], name: n), w], name: n)], name: n)
        }
        if !r.bilinear { return gather(gather(c.x, r.ty.lo, axis: 1), r.tx.lo, axis: 2) }
        // Each of the two source rows blended along x, then the rows blended along y (the layer's order).
        let top = blend(gather(c.x, r.ty.lo, axis: 1), r.tx, axis: 2)
        let bottom = blend(gather(c.x, r.ty.hi, axis: 1), r.tx, axis: 2)
        let wy = b.constant(Tensor(shape: [r.ty.w.count, 1, 1], data: r.ty.w), name: "\(n)/weight")
        return b.op("Add", [top, b.op("Mul", [b.op("Sub", [bottom, top], name: n), wy], name: n)], name: n)
    }
}
