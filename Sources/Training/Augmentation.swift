import Foundation
import Imaging
import Tensor

/// Random image transforms like Keras' `ImageDataGenerator(rotation_range, width_shift_range,
/// height_shift_range, horizontal_flip, fill_mode='nearest')`, seeded.
///
/// Source of truth: keras/src/legacy/preprocessing/image.py (3.15): `get_random_transform`,
/// `apply_affine_transform`, `transform_matrix_offset_center`, `apply_transform`.
/// - theta ~ U(−rotation_range, rotation_range) degrees;
///   tx ~ U(−height_shift_range, height_shift_range) · H, ty ~ U(−width_shift_range, width_shift_range) · W
///   (ranges ≥ 1 are pixels, not fractions); flip when U(0, 1) < 0.5.
/// - The transform is R(theta) · Shift(tx, ty) about the centre, then Keras swaps the matrix's
///   two axes for channels-last images before calling `scipy.ndimage.affine_transform`. The
///   consequence, checked in the venv, is that `tx` (the *height* shift, in units of H) moves the
///   image along the **columns** and `ty` along the rows, and the first centre coordinate
///   (H/2 − 0.5) applies to columns. ConvScope reproduces this exactly (it only matters for
///   non-square images or unequal ranges):
///
///       in_col = cos θ (c − oa) − sin θ (r − ob) + (cos θ · tx − sin θ · ty) + oa,   oa = H/2 − 0.5
///       in_row = sin θ (c − oa) + cos θ (r − ob) + (sin θ · tx + cos θ · ty) + ob,   ob = W/2 − 0.5
///
/// - Interpolation: `interpolation_order=1`, i.e. bilinear (scipy spline order 1), in float64;
///   `fill_mode='nearest'` repeats the edge pixels, which for order 1 equals clamping the sample
///   coordinate into [0, n − 1].
/// - The horizontal flip is applied after the affine transform, as `apply_transform` does.
/// No transform (theta = tx = ty = 0) leaves pixels untouched, as Keras skips the resampling.
public struct Augmentation: Codable, Equatable, Sendable {
    public var rotationRange: Double
    public var widthShiftRange: Double
    public var heightShiftRange: Double
    public var horizontalFlip: Bool

    public init(rotationRange: Double = 0, widthShiftRange: Double = 0, heightShiftRange: Double = 0, horizontalFlip: Bool = false) {
        self.rotationRange = rotationRange
        self.widthShiftRange = widthShiftRange
        self.heightShiftRange = heightShiftRange
        self.horizontalFlip = horizontalFlip
    }

    /// The paper's setting: rotation 20°, shifts 0.2, horizontal flips.
    public static let paper = Augmentation(rotationRange: 20, widthShiftRange: 0.2, heightShiftRange: 0.2, horizontalFlip: true)

    public var isIdentity: Bool { rotationRange == 0 && widthShiftRange == 0 && heightShiftRange == 0 && !horizontalFlip }

    /// One draw of the transform's parameters, Keras' names and units (degrees, pixels).
    public struct Parameters: Equatable, Sendable {
        public var theta: Double
        public var tx: Double
        public var ty: Double
        public var flipHorizontal: Bool
        public init(theta: Double = 0, tx: Double = 0, ty: Double = 0, flipHorizontal: Bool = false) {
            self.theta = theta
            self.tx = tx
            self.ty = ty
            self.flipHorizontal = flipHorizontal
        }
    }

    /// Draws parameters for an image of `height × width`, in Keras' order (theta, tx, ty, flip).
    public func randomParameters(height: Int, width: Int, random: inout SeededRandom) -> Parameters {
        func uniform(_ r: Double) -> Double { -r + 2 * r * Double(random.uniform()) }
        var p = Parameters()
        if rotationRange != 0 { p.theta = uniform(rotationRange) }
        if heightShiftRange != 0 { p.tx = uniform(heightShiftRange) * (heightShiftRange < 1 ? Double(height) : 1) }
        if widthShiftRange != 0 { p.ty = uniform(widthShiftRange) * (widthShiftRange < 1 ? Double(width) : 1) }
        if horizontalFlip { p.flipHorizontal = random.uniform() < 0.5 }
        return p
    }

    /// A random transform of `image`.
    public func augment(_ image: Image, random: inout SeededRandom) -> Image {
        Self.apply(randomParameters(height: image.height, width: image.width, random: &random), to: image)
    }

    /// A random transform of an (H, W, C) or (1, H, W, C) tensor.
    public func augment(_ tensor: Tensor, random: inout SeededRandom) -> Tensor {
        let s = tensor.shape
        precondition(s.count == 3 || (s.count == 4 && s[0] == 1), "augment: expects (H, W, C), got \(s)")
        let h = s[s.count - 3], w = s[s.count - 2], c = s[s.count - 1]
        let out = augment(Image(width: w, height: h, channels: c, pixels: tensor.data), random: &random)
        return Tensor(shape: s, data: out.pixels)
    }

    /// Applies given parameters (Keras `apply_transform`).
    public static func apply(_ p: Parameters, to image: Image) -> Image {
        var out = image
        if p.theta != 0 || p.tx != 0 || p.ty != 0 { out = affine(image, p) }
        if p.flipHorizontal { out = flipHorizontally(out) }
        return out
    }

    /// Mirror left–right (Keras `flip_axis(x, img_col_axis)`).
    public static func flipHorizontally(_ image: Image) -> Image {
        var out = image
        let w = image.width, c = image.channels
        for y in 0..<image.height {
            for x in 0..<w {
                let src = (y * w + (w - 1 - x)) * c, dst = (y * w + x) * c
                for k in 0..<c { out.pixels[dst + k] = image.pixels[src + k] }
            }
        }
        return out
    }

    /// Rotation and shift with bilinear sampling and nearest edge fill, per the formula above.
    static func affine(_ image: Image, _ p: Parameters) -> Image {
        let h = image.height, w = image.width, ch = image.channels
        let th = p.theta * Double.pi / 180
        let cs = cos(th), sn = sin(th)
        let oa = Double(h) / 2 - 0.5, ob = Double(w) / 2 - 0.5
        let da = cs * p.tx - sn * p.ty, db = sn * p.tx + cs * p.ty
        var out = Image(width: w, height: h, channels: ch)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for r in 0..<h {
                    for c in 0..<w {
                        let a = Double(c) - oa, b = Double(r) - ob
                        let col = min(max(cs * a - sn * b + da + oa, 0), Double(w - 1))
                        let row = min(max(sn * a + cs * b + db + ob, 0), Double(h - 1))
                        let c0 = Int(col.rounded(.down)), r0 = Int(row.rounded(.down))
                        let c1 = min(c0 + 1, w - 1), r1 = min(r0 + 1, h - 1)
                        let fc = col - Double(c0), fr = row - Double(r0)
                        let o = (r * w + c) * ch
                        for k in 0..<ch {
                            let v00 = Double(src[(r0 * w + c0) * ch + k]), v01 = Double(src[(r0 * w + c1) * ch + k])
                            let v10 = Double(src[(r1 * w + c0) * ch + k]), v11 = Double(src[(r1 * w + c1) * ch + k])
                            let top = v00 * (1 - fc) + v01 * fc, bottom = v10 * (1 - fc) + v11 * fc
                            dst[o + k] = Float(top * (1 - fr) + bottom * fr)
                        }
                    }
                }
            }
        }
        return out
    }
}

extension Augmentation {
    /// `rotation=20,shift=0.2,flip` (also `width-shift=`, `height-shift=`; `none` for no augmentation).
    public static func parse(option s: String) throws -> Augmentation? {
        let text = s.trimmingCharacters(in: .whitespaces).lowercased()
        if text.isEmpty || text == "none" { return nil }
        var a = Augmentation()
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            func number() throws -> Double {
                guard kv.count == 2, let v = Double(kv[1]), v >= 0, v.isFinite else {
                    throw TrainingError.badArgument("--augment: '\(part)' needs a non-negative number, e.g. \(kv[0])=0.2")
                }
                return v
            }
            switch kv[0] {
            case "rotation": a.rotationRange = try number()
            case "shift": let v = try number(); a.widthShiftRange = v; a.heightShiftRange = v
            case "width-shift", "width_shift": a.widthShiftRange = try number()
            case "height-shift", "height_shift": a.heightShiftRange = try number()
            case "flip", "hflip", "horizontal-flip":
                guard kv.count == 1 || ["true", "1", "yes"].contains(kv[1]) || ["false", "0", "no"].contains(kv[1]) else {
                    throw TrainingError.badArgument("--augment: '\(part)': flip takes no value (or true/false)")
                }
                a.horizontalFlip = kv.count == 1 || ["true", "1", "yes"].contains(kv[1])
            default:
                throw TrainingError.badArgument("--augment: unknown setting '\(kv[0])' (rotation=DEG, shift=F, width-shift=F, height-shift=F, flip)")
            }
        }
        return a.isIdentity ? nil : a
    }
}
