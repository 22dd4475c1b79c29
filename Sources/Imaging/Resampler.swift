import Foundation

/// PIL's separable convolution resampler (libImaging/Resample.c), in two flavours:
/// 8-bit with PIL's 22-bit fixed-point weights and per-pass rounding (bit-exact
/// with `Image.resize`), and float without quantisation (PIL mode "F").
enum Resampler {
    /// Per-output-sample source window and normalised weights for one axis.
    struct Plan {
        var start: [Int]
        var count: [Int]
        var ksize: Int
        var weights: [Double]
    }

    static let precisionBits = 32 - 8 - 2

    /// PIL `precompute_coeffs`: the window grows with the downscale factor (antialiasing).
    static func plan(inSize: Int, from in0: Float, to in1: Float, outSize: Int, filter: Interpolation) -> Plan {
        let scale = Double(in1 - in0) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        let inverse = 1 / filterScale
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Double](repeating: 0, count: outSize * ksize)
        for xx in 0..<outSize {
            let center = Double(in0) + (Double(xx) + 0.5) * scale
            // C's (int) cast truncates toward zero, as Int(_:) does.
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            let n = max(hi - lo, 0)
            var total = 0.0
            for x in 0..<n {
                let w = filter.weight((Double(x + lo) - center + 0.5) * inverse)
                weights[xx * ksize + x] = w
                total += w
            }
            if total != 0 {
                for x in 0..<n { weights[xx * ksize + x] /= total }
            }
            start[xx] = lo
            count[xx] = n
        }
        return Plan(start: start, count: count, ksize: ksize, weights: weights)
    }

    /// PIL `normalize_coeffs_8bpc`: weights as rounded 22-bit fixed point.
    static func fixedPoint(_ weights: [Double]) -> [Int] {
        let one = Double(1 << precisionBits)
        return weights.map { $0 < 0 ? Int(-0.5 + $0 * one) : Int(0.5 + $0 * one) }
    }

    @inline(__always)
    static func clip8(_ sum: Int) -> UInt8 {
        let v = sum >> precisionBits
        return v < 0 ? 0 : v > 255 ? 255 : UInt8(v)
    }

    /// Resamples 8-bit interleaved samples from `width × height` to `outWidth × outHeight`
    /// over the source box `box` (x0, y0, x1, y1), in PIL's pass order.
    static func resample8(_ src: [UInt8], width: Int, height: Int, channels: Int,
                          outWidth: Int, outHeight: Int, box: [Float], filter: Interpolation) -> [UInt8] {
        let needH = outWidth != width || box[0] != 0 || box[2] != Float(outWidth)
        let needV = outHeight != height || box[1] != 0 || box[3] != Float(outHeight)
        // Pillow 13 runs the vertical pass first when the height shrinks by more than
        // twice as many pixels as the width does (found by probing PIL: the intermediate
        // image is rounded to 8 bits, so the order changes the result).
        let verticalFirst = outHeight < height && height - outHeight > 2 * (width - outWidth)
        var current = src
        var curWidth = width, curHeight = height
        func horizontal() {
            guard needH else { return }
            current = horizontalPass(current, width: curWidth, height: curHeight, channels: channels,
                                     plan: plan(inSize: width, from: box[0], to: box[2], outSize: outWidth, filter: filter),
                                     outWidth: outWidth)
            curWidth = outWidth
        }
        func vertical() {
            guard needV else { return }
            current = verticalPass(current, width: curWidth, height: curHeight, channels: channels,
                                   plan: plan(inSize: height, from: box[1], to: box[3], outSize: outHeight, filter: filter),
                                   outHeight: outHeight)
            curHeight = outHeight
        }
        if verticalFirst {
            vertical()
            horizontal()
        } else {
            horizontal()
            vertical()
        }
        return current
    }

    static func horizontalPass(_ src: [UInt8], width: Int, height: Int, channels: Int, plan p: Plan, outWidth: Int) -> [UInt8] {
        let k = fixedPoint(p.weights)
        var out = [UInt8](repeating: 0, count: outWidth * height * channels)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<height {
                    let row = y * width * channels
                    for xx in 0..<outWidth {
                        let lo = p.start[xx], base = xx * p.ksize
                        for c in 0..<channels {
                            var sum = 1 << (precisionBits - 1)
                            for x in 0..<p.count[xx] {
                                sum += Int(s[row + (lo + x) * channels + c]) * k[base + x]
                            }
                            o[(y * outWidth + xx) * channels + c] = clip8(sum)
                        }
                    }
                }
            }
        }
        return out
    }

    static func verticalPass(_ src: [UInt8], width: Int, height: Int, channels: Int, plan p: Plan, outHeight: Int) -> [UInt8] {
        let k = fixedPoint(p.weights)
        let rowLength = width * channels
        var out = [UInt8](repeating: 0, count: outHeight * rowLength)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                for yy in 0..<outHeight {
                    let lo = p.start[yy], base = yy * p.ksize
                    for i in 0..<rowLength {
                        var sum = 1 << (precisionBits - 1)
                        for y in 0..<p.count[yy] {
                            sum += Int(s[(lo + y) * rowLength + i]) * k[base + y]
                        }
                        o[yy * rowLength + i] = clip8(sum)
                    }
                }
            }
        }
        return out
    }

    /// Float resampling (PIL's 32-bit path): same windows and weights, no rounding or clipping.
    static func resampleFloat(_ src: [Float], width: Int, height: Int, channels: Int,
                              outWidth: Int, outHeight: Int, filter: Interpolation) -> [Float] {
        var current = src
        if outWidth != width {
            let p = plan(inSize: width, from: 0, to: Float(width), outSize: outWidth, filter: filter)
            var out = [Float](repeating: 0, count: outWidth * height * channels)
            for y in 0..<height {
                for xx in 0..<outWidth {
                    for c in 0..<channels {
                        var sum = 0.0
                        for x in 0..<p.count[xx] {
                            sum += Double(current[(y * width + p.start[xx] + x) * channels + c]) * p.weights[xx * p.ksize + x]
                        }
                        out[(y * outWidth + xx) * channels + c] = Float(sum)
                    }
                }
            }
            current = out
        }
        if outHeight != height {
            let p = plan(inSize: height, from: 0, to: Float(height), outSize: outHeight, filter: filter)
            let rowLength = outWidth * channels
            var out = [Float](repeating: 0, count: outHeight * rowLength)
            for yy in 0..<outHeight {
                for i in 0..<rowLength {
                    var sum = 0.0
                    for y in 0..<p.count[yy] {
                        sum += Double(current[(p.start[yy] + y) * rowLength + i]) * p.weights[yy * p.ksize + y]
                    }
                    out[yy * rowLength + i] = Float(sum)
                }
            }
            current = out
        }
        return current
    }

    /// PIL's nearest-neighbour scale (Geometry.c `ImagingScaleAffine`), including its
    /// accumulated floating-point source positions.
    static func nearest<T>(_ src: [T], width: Int, height: Int, channels: Int,
                           outWidth: Int, outHeight: Int, box: [Float], fill: T) -> [T] {
        let ax = Double(box[2] - box[0]) / Double(outWidth)
        let ay = Double(box[3] - box[1]) / Double(outHeight)
        func coord(_ v: Double) -> Int { v < 0 ? -1 : Int(v) }
        var xs = [Int](repeating: -1, count: outWidth)
        var xo = Double(box[0]) + ax * 0.5
        for x in 0..<outWidth {
            let xin = coord(xo)
            if xin >= 0 && xin < width { xs[x] = xin }
            xo += ax
        }
        var out = [T](repeating: fill, count: outWidth * outHeight * channels)
        var yo = Double(box[1]) + ay * 0.5
        for y in 0..<outHeight {
            let yi = coord(yo)
            if yi >= 0 && yi < height {
                for x in 0..<outWidth where xs[x] >= 0 {
                    for c in 0..<channels {
                        out[(y * outWidth + x) * channels + c] = src[(yi * width + xs[x]) * channels + c]
                    }
                }
            }
            yo += ay
        }
        return out
    }
}
