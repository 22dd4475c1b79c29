import Graph
import Tensor

/// How a file's convolution kernels are read into ConvScope's (window…, in, out) cross-correlation layout:
/// Keras 1 `dim_ordering: "th"` kernels are stored (out, in, window…), Keras 1 `Convolution1D` ones
/// (length, 1, in, out), Keras 1 `Deconvolution2D` ones as a convolution's (not the (window…, out, in) of a
/// transposed convolution), and the Theano backend's (Keras 1 and 2) are spatially flipped (a true convolution).
struct KernelLayout {
    /// The file is Keras 1: its kernels may be stored (out, in, window…) or with Convolution1D's extra axis.
    var keras1 = false
    /// The file was written by the Theano backend: kernels are flipped along every window axis.
    var flipped = false

    /// Whether `layer` is a transposed convolution (its kernel's filters second to last).
    static func transposed(_ layer: any Layer) -> Bool {
        if case .convolution(let f) = layer.role { return f.axis == .secondToLast }
        return false
    }

    /// Whether a variable named `variable` of a `layer` needs reading through this layout.
    func applies(to layer: any Layer, variable: String) -> Bool {
        // Keras 1's one transposed kind (Deconvolution2D) stored its kernel as a convolution's
        guard keras1 || flipped, case .convolution(let f) = layer.role, f.axis == .last || keras1 && f.axis == .secondToLast else { return false }
        return variable == (f.kernel ?? "kernel")
    }

    /// The stored `values` of shape `stored` as the `want`-shaped kernel of a layer that is `channelsFirst`
    /// (Keras 1 `dim_ordering: "th"`, which decides the stored layout: shapes alone cannot when in = out = the
    /// window's sizes); nil when the stored shape does not fit that layout.
    /// A `transposed` layer's kernel (window…, filters, in) is read as Keras 1 stored it: (window…, in, filters).
    func kernel(_ values: [Float], stored: [Int], want wanted: [Int], channelsFirst: Bool, transposed: Bool = false) -> Tensor? {
        let window = wanted.count - 2
        guard window >= 1 else { return nil }
        let want = transposed ? Array(wanted.prefix(window)) + [wanted[window + 1], wanted[window]] : wanted
        var t: Tensor
        if keras1 && channelsFirst {
            guard stored == [want[window + 1], want[window]] + want.prefix(window) else { return nil }
            t = permuteAxes(Tensor(shape: stored, data: values), Array(2..<(window + 2)) + [1, 0])    // (out, in, w…) → (w…, in, out)
        } else if stored == want {
            t = Tensor(shape: stored, data: values)
        } else if keras1, window == 1, stored == [want[0], 1, want[1], want[2]] {
            t = Tensor(shape: want, data: values)                                                     // Convolution1D's (k, 1, in, out)
        } else {
            return nil
        }
        if transposed { t = permuteAxes(t, Array(0..<window) + [window + 1, window]) }     // (w…, in, F) → (w…, F, in)
        if flipped { t = Self.flip(t, axes: window) }
        return t
    }

    /// `t` reversed along each of its first `axes` axes.
    static func flip(_ t: Tensor, axes: Int) -> Tensor {
        let inner = t.shape.dropFirst(axes).reduce(1, *)
        let window = Array(t.shape.prefix(axes))
        let positions = window.reduce(1, *)
        var out = [Float](repeating: 0, count: t.count)
        for p in 0..<positions {
            // position p's index along each window axis, reversed
            var rest = p, q = 0, step = 1
            for a in stride(from: axes - 1, through: 0, by: -1) {
                let i = rest % window[a]
                rest /= window[a]
                q += (window[a] - 1 - i) * step
                step *= window[a]
            }
            for k in 0..<inner { out[q * inner + k] = t.data[p * inner + k] }
        }
        return Tensor(shape: t.shape, data: out)
    }
}
