/// Walks the elements of a row-major `shape` whose axes step `strides` apart in a source tensor (a 0
/// stride repeats a broadcast axis; permuted strides transpose): calls `row(o, s)` once per innermost
/// row, `o` the row's first flat index, `s` its first source offset; the row's k-th element sits at
/// source offset s + k · strides.last.
func forEachStridedRow(shape: [Int], strides: [Int], _ row: (Int, Int) -> Void) {
    let count = shape.reduce(1, *)
    guard count > 0, let lastN = shape.last else { if count > 0 { row(0, 0) }; return }
    var counter = [Int](repeating: 0, count: shape.count)
    var src = 0
    for o in stride(from: 0, to: count, by: lastN) {
        row(o, src)
        var a = shape.count - 2
        while a >= 0 {                                  // odometer step over the outer axes
            counter[a] += 1
            src += strides[a]
            if counter[a] < shape[a] { break }
            src -= strides[a] * counter[a]
            counter[a] = 0
            a -= 1
        }
    }
}

/// For every element of `to` (row-major), the row-major index of its source in `from`,
/// where `from` has the same rank and size 1 along broadcast axes.
func broadcastSourceIndex(from: [Int], to: [Int]) -> [Int] {
    var strides = [Int](repeating: 0, count: from.count)
    var s = 1
    for a in stride(from: from.count - 1, through: 0, by: -1) {
        strides[a] = from[a] == 1 ? 0 : s
        s *= from[a]
    }
    var out = [Int](repeating: 0, count: to.reduce(1, *))
    let lastStride = strides.last ?? 0, lastN = to.last ?? 1
    forEachStridedRow(shape: to, strides: strides) { o, src in
        for k in 0..<lastN { out[o + k] = src + k * lastStride }
    }
    return out
}

/// For a flat row-major index into a tensor of shape `dims`, the flat index `Σ coordinate[a] · strides[a]`
/// (a stride of 0 broadcasts that axis).
func stridedIndex(dims: [Int], strides: [Int]) -> (Int) -> Int {
    { flat in
        var rest = flat, idx = 0
        for a in stride(from: dims.count - 1, through: 0, by: -1) {
            idx += (rest % dims[a]) * strides[a]
            rest /= dims[a]
        }
        return idx
    }
}
