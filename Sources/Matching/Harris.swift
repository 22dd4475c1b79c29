// Harris corners — C. Harris and M. Stephens, "A combined corner and edge
// detector", Alvey Vision Conference 1988 (paper ref. [6]); reproduces
// scikit-image 0.26 `corner_harris(image, method='k', k=0.05, sigma=1)` and
// `corner_peaks(response, min_distance=1, threshold_rel=0.001)` as used by the
// paper (docs/paper-facts.md, "The retraining experiment"):
//   Ix, Iy = scipy.ndimage.sobel with zero padding ('constant', cval 0);
//   A = Gaussian(sigma, truncate 4, zero padding) of Iy², IxIy, Ix²;
//   R = det(A) - k·trace(A)²; peaks = pixels equal to the maximum of their
//   (2d+1)² neighbourhood, R > max(min R, threshold_rel · max R), d-pixel border
//   excluded, visited by decreasing R (ties row-major), and a peak suppresses
//   later peaks within Chebyshev distance d.
// Pixels are scaled to [0, 1] (grey / 255) first, like skimage's float images.
import Foundation

/// An integer corner location (x = column, y = row) with its Harris response.
public struct HarrisCorner: Codable, Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var response: Double

    /// Creates a corner.
    public init(x: Int, y: Int, response: Double) { self.x = x; self.y = y; self.response = response }
}

/// Harris response map and peak extraction.
public enum Harris {
    /// Harris response (method 'k') of `grey / 255`, row-major, same size as the image.
    public static func response(_ grey: GreyImage, k: Double = 0.05, sigma: Double = 1) -> [Double] {
        let w = grey.width, h = grey.height
        let img = grey.pixels.map { Double($0) / 255 }
        // Sobel, separable: derivative [-1, 0, 1] along one axis, smoothing [1, 2, 1] along the other.
        func at(_ a: [Double], _ y: Int, _ x: Int) -> Double {
            (y < 0 || y >= h || x < 0 || x >= w) ? 0 : a[y * w + x]
        }
        var dRow = [Double](repeating: 0, count: w * h), dCol = dRow
        var tmpR = dRow, tmpC = dRow
        for y in 0..<h {
            for x in 0..<w {
                tmpR[y * w + x] = at(img, y + 1, x) - at(img, y - 1, x)
                tmpC[y * w + x] = at(img, y, x + 1) - at(img, y, x - 1)
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                dRow[y * w + x] = at(tmpR, y, x - 1) + 2 * at(tmpR, y, x) + at(tmpR, y, x + 1)
                dCol[y * w + x] = at(tmpC, y - 1, x) + 2 * at(tmpC, y, x) + at(tmpC, y + 1, x)
            }
        }
        var rr = [Double](repeating: 0, count: w * h), rc = rr, cc = rr
        for i in 0..<(w * h) {
            rr[i] = dRow[i] * dRow[i]; rc[i] = dRow[i] * dCol[i]; cc[i] = dCol[i] * dCol[i]
        }
        let arr = gaussianFilter(rr, width: w, height: h, sigma: sigma)
        let arc = gaussianFilter(rc, width: w, height: h, sigma: sigma)
        let acc = gaussianFilter(cc, width: w, height: h, sigma: sigma)
        var out = [Double](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            let det = arr[i] * acc[i] - arc[i] * arc[i]
            let trace = arr[i] + acc[i]
            out[i] = det - k * trace * trace
        }
        return out
    }

    /// Separable Gaussian filter as scipy.ndimage.gaussian_filter (truncate 4, mode 'constant', cval 0).
    static func gaussianFilter(_ input: [Double], width w: Int, height h: Int, sigma: Double) -> [Double] {
        let radius = Int(4 * sigma + 0.5)
        var kernel = (-radius...radius).map { exp(-0.5 * Double($0 * $0) / (sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        var tmp = [Double](repeating: 0, count: w * h), out = tmp
        // scipy filters axis 0 (rows) first, then axis 1.
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in -radius...radius where y + t >= 0 && y + t < h { s += kernel[t + radius] * input[(y + t) * w + x] }
                tmp[y * w + x] = s
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var s = 0.0
                for t in -radius...radius where x + t >= 0 && x + t < w { s += kernel[t + radius] * tmp[y * w + x + t] }
                out[y * w + x] = s
            }
        }
        return out
    }

    /// Peaks of a response map as skimage `corner_peaks(min_distance, threshold_rel, exclude_border=True)`.
    public static func peaks(_ response: [Double], width w: Int, height h: Int,
                             minDistance d: Int = 1, thresholdRelative: Double = 0.001) -> [HarrisCorner] {
        guard let lo = response.min(), let hi = response.max(), lo < hi else { return [] }
        let threshold = max(lo, thresholdRelative * hi)
        var candidates: [(index: Int, value: Double)] = []
        if h > 2 * d && w > 2 * d {
            for y in d..<(h - d) {
                for x in d..<(w - d) {
                    let v = response[y * w + x]
                    guard v > threshold else { continue }
                    var isMax = true
                    search: for yy in max(0, y - d)...min(h - 1, y + d) {
                        for xx in max(0, x - d)...min(w - 1, x + d) where response[yy * w + xx] > v {
                            isMax = false; break search
                        }
                    }
                    if isMax { candidates.append((y * w + x, v)) }
                }
            }
        }
        candidates.sort { $0.value != $1.value ? $0.value > $1.value : $0.index < $1.index }
        // peak_local_max spacing (strict, only when d > 1), then corner_peaks suppression (inclusive).
        func suppress(_ list: [(index: Int, value: Double)], inclusive: Bool) -> [(index: Int, value: Double)] {
            var order = [Int](repeating: -1, count: w * h)
            for (n, c) in list.enumerated() { order[c.index] = n }
            var rejected = [Bool](repeating: false, count: list.count)
            var kept: [(index: Int, value: Double)] = []
            let reach = inclusive ? d : d - 1
            for (n, c) in list.enumerated() where !rejected[n] {
                kept.append(c)
                guard reach > 0 else { continue }
                let cy = c.index / w, cx = c.index % w
                for yy in max(0, cy - reach)...min(h - 1, cy + reach) {
                    for xx in max(0, cx - reach)...min(w - 1, cx + reach) {
                        let m = order[yy * w + xx]
                        if m >= 0 && m != n { rejected[m] = true }
                    }
                }
            }
            return kept
        }
        var list = candidates
        if d > 1 { list = suppress(list, inclusive: false) }
        list = suppress(list, inclusive: true)
        return list.map { HarrisCorner(x: $0.index % w, y: $0.index / w, response: $0.value) }
    }

    /// Harris corners of a grey image with the paper's settings by default.
    public static func corners(_ grey: GreyImage, k: Double = 0.05, sigma: Double = 1,
                               minDistance: Int = 1, thresholdRelative: Double = 0.001) -> [HarrisCorner] {
        peaks(response(grey, k: k, sigma: sigma), width: grey.width, height: grey.height,
              minDistance: minDistance, thresholdRelative: thresholdRelative)
    }
}
