import Foundation
import Tensor

/// Keras `categorical_crossentropy` (mean over the batch) and its gradient.
///
/// Source of truth: `keras/src/backend/tensorflow/nn.py::categorical_crossentropy` (Keras 3.15)
/// and `tf_keras/src/backend.py::categorical_crossentropy` (tf-keras 2.21).
///
/// Which formula Keras really uses depends on where the probabilities come from:
/// - When the model's output is produced by a softmax (a `Dense(activation='softmax')` or an
///   `Activation('softmax')`), Keras 3 finds the logits the softmax cached on its output
///   (`output._keras_logits`) and tf-keras finds the `Softmax` op's input; both then call
///   `tf.nn.softmax_cross_entropy_with_logits`. **No clipping happens.** Verified with the venv:
///   logits (30, 0, 0) with target class 1 give loss 30.0 from `train_on_batch` and `evaluate`
///   in both Keras 3.15.1 and tf-keras 2.21 (eager and graph), not −log(1e-7) = 16.118.
///   ConvScope therefore computes `fromLogits` on the pre-softmax values and seeds the
///   backward pass there with d/dlogits = (softmax(z) − y) / N, the exact Keras gradient.
/// - Otherwise (probabilities from anything but a softmax) Keras normalises the rows to sum 1,
///   clips to [ε, 1 − ε] with ε = 1e-7 and takes −Σ y log p; `fromProbabilities` does that,
///   with the gradient through the normalisation and the clip (zero outside the clip range).
public enum CategoricalCrossEntropy {
    /// Keras `backend.epsilon()`.
    public static let epsilon: Float = 1e-7

    /// Loss and d(loss)/d(logits) for logits `z` and targets `y`, both (N, K).
    /// Per row: loss = logsumexp(z) · Σy − Σ y·z (TF's softmax_cross_entropy_with_logits),
    /// gradient = (softmax(z) · Σy − y) / N.
    public static func fromLogits(_ logits: Tensor, labels: Tensor) -> (loss: Double, gradient: Tensor) {
        precondition(logits.shape == labels.shape && logits.rank == 2, "cross-entropy: logits \(logits.shape) vs labels \(labels.shape)")
        let n = logits.shape[0], k = logits.shape[1]
        var grad = Tensor(zeros: logits.shape)
        var total = 0.0
        logits.data.withUnsafeBufferPointer { z in
            labels.data.withUnsafeBufferPointer { y in
                grad.data.withUnsafeMutableBufferPointer { g in
                    for r in 0..<n {
                        let o = r * k
                        var m = -Float.infinity
                        for j in 0..<k { m = max(m, z[o + j]) }
                        var s: Float = 0
                        for j in 0..<k { let e = expf(z[o + j] - m); g[o + j] = e; s += e }
                        let lse = m + logf(s)
                        var ysum: Float = 0, row: Float = 0
                        for j in 0..<k { ysum += y[o + j]; row += y[o + j] * (lse - z[o + j]) }
                        total += Double(row)
                        for j in 0..<k { g[o + j] = (g[o + j] / s * ysum - y[o + j]) / Float(n) }
                    }
                }
            }
        }
        return (total / Double(max(n, 1)), grad)
    }

    /// Loss and d(loss)/d(probabilities) for outputs `p` that did not come from a softmax:
    /// q = p / Σp, q̂ = clip(q, ε, 1 − ε), loss = −Σ y log q̂, mean over rows.
    /// dL/dq = −y / q̂ where ε ≤ q ≤ 1 − ε (TF's clip gradient), else 0; dL/dp = (dL/dq − Σ dL/dq · q) / Σp.
    public static func fromProbabilities(_ probabilities: Tensor, labels: Tensor) -> (loss: Double, gradient: Tensor) {
        precondition(probabilities.shape == labels.shape && probabilities.rank == 2, "cross-entropy: outputs \(probabilities.shape) vs labels \(labels.shape)")
        let n = probabilities.shape[0], k = probabilities.shape[1]
        var grad = Tensor(zeros: probabilities.shape)
        var total = 0.0
        let lo = epsilon, hi = 1 - epsilon
        probabilities.data.withUnsafeBufferPointer { p in
            labels.data.withUnsafeBufferPointer { y in
                grad.data.withUnsafeMutableBufferPointer { g in
                    for r in 0..<n {
                        let o = r * k
                        var s: Float = 0
                        for j in 0..<k { s += p[o + j] }
                        var row: Float = 0, dot: Float = 0
                        for j in 0..<k {
                            let q = p[o + j] / s
                            let c = min(max(q, lo), hi)
                            row -= y[o + j] * logf(c)
                            let dq: Float = (q >= lo && q <= hi) ? -y[o + j] / c : 0
                            g[o + j] = dq
                            dot += dq * q
                        }
                        total += Double(row)
                        for j in 0..<k { g[o + j] = (g[o + j] - dot) / s / Float(n) }
                    }
                }
            }
        }
        return (total / Double(max(n, 1)), grad)
    }

    /// Keras `categorical_accuracy`: the fraction of rows whose arg-max output equals the
    /// arg-max target (first maximum on ties, as `argmax`). Works on logits or probabilities.
    public static func accuracy(_ outputs: Tensor, labels: Tensor) -> Double {
        precondition(outputs.shape == labels.shape && outputs.rank == 2)
        let n = outputs.shape[0], k = outputs.shape[1]
        guard n > 0 else { return 0 }
        var hits = 0
        for r in 0..<n {
            let o = r * k
            var bo = 0, by = 0
            for j in 1..<k {
                if outputs.data[o + j] > outputs.data[o + bo] { bo = j }
                if labels.data[o + j] > labels.data[o + by] { by = j }
            }
            if bo == by { hits += 1 }
        }
        return Double(hits) / Double(n)
    }

    /// One-hot rows for class indices.
    public static func oneHot(_ classes: [Int], classCount: Int) -> Tensor {
        var t = Tensor(zeros: [classes.count, classCount])
        for (r, c) in classes.enumerated() {
            precondition(c >= 0 && c < classCount, "class \(c) outside 0..<\(classCount)")
            t.data[r * classCount + c] = 1
        }
        return t
    }
}
