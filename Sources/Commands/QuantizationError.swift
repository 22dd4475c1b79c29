import Foundation
import Graph
import KerasIO
import Measures

/// How far a quantized layer's dequantized kernel (or embeddings) lies from the float one
/// (`convscope diff FLOAT QUANTIZED`): relative L2, largest error, signal-to-noise ratio.
public struct QuantizationError: Codable, Equatable {
    /// The variable compared: the kernel (Dense, EinsumDense) or the embeddings.
    public var variable: String
    /// Quantization of A and of B (nil for a float layer), as Keras names the policy (`int4/128_from_float32`).
    public var policyA: String?
    public var policyB: String?
    /// ‖W_B − W_A‖ / ‖W_A‖ (null when W_A is all zeros).
    public var relativeL2: Double?
    /// max |W_B − W_A|.
    public var maxAbsError: Double
    /// 10·log10(‖W_A‖² / ‖W_B − W_A‖²) in dB; null when the two are equal (no noise) or W_A is zero.
    public var snrDB: Double?

    /// The error of layer B's dequantized variable against A's, when either layer is quantized.
    static func between(_ a: any Layer, _ b: any Layer) throws -> QuantizationError? {
        let qa = (a as? any QuantizedLayer)?.quantization, qb = (b as? any QuantizedLayer)?.quantization
        guard qa != nil || qb != nil else { return nil }
        let wa = try comparable(a)[0], wb = try comparable(b)[0]
        let m = WeightChange(a: [wa.value], b: [wb.value])
        let snr = m.squaredChange > 0 && m.squaredNormA > 0 ? 10 * (m.squaredNormA / m.squaredChange).log10 : nil
        return QuantizationError(variable: wa.name, policyA: qa?.name, policyB: qb?.name, relativeL2: m.relativeChange,
                                 maxAbsError: m.maxAbsChange, snrDB: snr)
    }

    /// A layer's variables as float values: a quantized layer's dequantized kernel and bias, else its own.
    static func comparable(_ l: any Layer) throws -> [WeightVariable] {
        try (l as? any QuantizedLayer)?.dequantizedWeights() ?? l.weights
    }
}

private extension Double {
    var log10: Double { Foundation.log10(self) }
}

extension QuantizationError {
    /// The quantization table of `diff`'s text report (nothing when no layer is quantized).
    static func render(_ layers: [LayerChange]) -> [String] {
        let rows = layers.compactMap { l in l.quantization.map { (l.name, $0) } }
        guard !rows.isEmpty else { return [] }
        func f(_ x: Double?, _ format: String = "%.4g") -> String { x.map { String(format: format, $0) } ?? "n/a" }
        var cells = [["layer", "variable", "A", "B", "relative L2", "max |err|", "SNR (dB)"]]
        for (name, q) in rows {
            cells.append([name, q.variable, q.policyA ?? "float", q.policyB ?? "float", f(q.relativeL2), f(q.maxAbsError), f(q.snrDB, "%.2f")])
        }
        return ["", "Quantization error (dequantized against float):"] + table(cells)
    }
}
