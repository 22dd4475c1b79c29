import Graph

/// UpSampling1D/2D: nearest is each cell repeated (Reshape, Expand, Reshape: exact); bilinear is ONNX
/// Resize with half-pixel centres, as Keras' `image.resize` (antialias off when enlarging).
extension UpSampling: ONNXLowering {
    public func lowerONNX(_ c: ONNXLoweringContext) throws -> String {
        let b = c.builder
        let s = c.inputShapes[0]
        let planar = c.rank == 3 ? [1] + s : s                                    // (H, W, C)
        let x = c.rank == 3 ? b.reshape(c.x, [-1, 1, s[0], s[1]], name: c.name) : c.x
        let (h, w, ch) = (planar[0], planar[1], planar[2])
        var y: String
        if bilinear {
            let first = b.toChannelsFirst(x, rank: 4, name: c.name)
            let scales = b.constant(.init(shape: [4], data: [1, 1, Float(size[0]), Float(size[1])]), name: "\(c.name)/scales")
            let r = b.add("Resize", [first, "", scales], name: c.name,
                          attributes: [.string("mode", "linear"), .string("coordinate_transformation_mode", "half_pixel")])[0]
            y = b.toChannelsLast(r, rank: 4, name: c.name)
        } else {
            // (N, H, 1, W, 1, C) expanded to (N, H, sh, W, sw, C)
            let six = b.reshape(x, [-1, h, 1, w, 1, ch], name: c.name)
            let target = b.int64s([1, 1, size[0], 1, size[1], 1], name: "\(c.name)/repeat")
            y = b.op("Expand", [six, target], name: c.name)
            y = b.reshape(y, [-1, h * size[0], w * size[1], ch], name: c.name)
        }
        return c.rank == 3 ? b.reshape(y, [-1, w * size[1], ch], name: c.name) : y
    }
}
