import Tensor

/// Keras `GRU`, gates z, r, h̃ in that order; h_t = z ⊙ h_{t−1} + (1 − z) ⊙ h̃.
/// `reset_after` true (Keras 3 and TF2 default; bias (2, 3·units): input and recurrent bias):
///   z, r = recurrent_activation(x·W + b_in + h·R + b_rec), h̃ = activation(x·W_h + b_in,h + r ⊙ (h·R_h + b_rec,h)).
/// `reset_after` false (bias (3·units)): z, r as above without b_rec,
///   h̃ = activation(x·W_h + b_h + (r ⊙ h)·R_h).
public typealias GRU = Recurrent<GRUCell>

public struct GRUCell: RecurrentCell {
    public static let kerasClassNames = ["GRU"]
    public static let cellName = "gru_cell"
    public static let cellConfigKeys: Set<String> = ["recurrent_activation", "reset_after"]
    public static let gates = 3
    public let common: CellSettings
    let resetAfter: Bool
    public var biasShape: [Int] { resetAfter ? [2, 3 * units] : [3 * units] }

    public init(units: Int, config: LayerConfig) throws {
        common = try CellSettings(units: units, config: config)
        resetAfter = try config.bool("reset_after", default: true)
    }

    /// The recurrent kernel's gate blocks (U, U) for z, r and h̃.
    func recurrentBlocks(_ weights: [WeightVariable]) -> [Tensor] {
        (0..<3).map { columns(weights[1].value, block: $0, width: units) }
    }

    // record: [mi_h (reset_after) or r ⊙ h, zPre, z, rPre, r, hPre, h̃]
    public func step(_ xk: Tensor, _ previous: RecurrentState, _ weights: [WeightVariable], record: inout [Tensor]) -> RecurrentState {
        let h = previous.h, u = units
        var mx = xk                                                            // (N, 3U)
        if useBias { mx = addRow(mx, weights[2].value.data[0..<3 * u]) }
        let x = (0..<3).map { columns(mx, block: $0, width: u) }
        let blocks = recurrentBlocks(weights)
        var inner: [Tensor]                                                    // h·R per gate, (N, U) each
        if resetAfter {
            var mi = product(h, weights[1].value)                              // (N, 3U)
            if useBias { mi = addRow(mi, weights[2].value.data[3 * u..<6 * u]) }
            inner = (0..<3).map { columns(mi, block: $0, width: u) }
        } else {
            inner = [product(h, blocks[0]), product(h, blocks[1])]
        }
        let zPre = x[0] + inner[0], rPre = x[1] + inner[1]
        let z = recurrentActivation.applied(zPre), r = recurrentActivation.applied(rPre)
        let kept: Tensor, hPre: Tensor
        if resetAfter {
            kept = inner[2]
            hPre = x[2] + hadamard(r, inner[2])
        } else {
            kept = hadamard(r, h)
            hPre = product(kept, blocks[2], addingTo: x[2])
        }
        let candidate = activation.applied(hPre)
        record = [kept, zPre, z, rPre, r, hPre, candidate]
        let next = zipMap(hadamard(z, h), hadamard(z, candidate)) { zh, zc in zh - zc } + candidate
        return RecurrentState(h: next, c: nil)
    }

    public func stepBackward(_ d: RecurrentState, record: [Tensor], previous: RecurrentState, _ weights: [WeightVariable],
                             grads: inout [Tensor]) -> (dxk: Tensor, dPrevious: RecurrentState) {
        let h = previous.h, u = units
        let (kept, zPre, z, rPre, r, hPre, candidate) = (record[0], record[1], record[2], record[3], record[4], record[5], record[6])
        let dz = hadamard(d.h, zipMap(h, candidate, -))                        // ∂/∂z: h − h̃
        let dCandidate = zipMap(d.h, z) { g, zz in g * (1 - zz) }
        var dh = hadamard(d.h, z)                                              // direct path
        let dhPre = activation.gradient(dCandidate, input: hPre, output: candidate)
        let dr: Tensor
        let blocks = recurrentBlocks(weights)
        var dInnerH: Tensor? = nil
        if resetAfter {
            dr = hadamard(dhPre, kept)
            dInnerH = hadamard(dhPre, r)
        } else {
            let dKept = product(dhPre, blocks[2], transB: true)                // (N, U)·(U, U)ᵀ
            dr = hadamard(dKept, h)
            dh.add(hadamard(dKept, r))
        }
        let dzPre = recurrentActivation.gradient(dz, input: zPre, output: z)
        let drPre = recurrentActivation.gradient(dr, input: rPre, output: r)
        let dmx = joinColumns([dzPre, drPre, dhPre])                           // (N, 3U)
        if resetAfter {
            let dmi = joinColumns([dzPre, drPre, dInnerH!])                    // (N, 3U)
            grads[1] = product(h, dmi, transA: true, addingTo: grads[1])
            dh = product(dmi, weights[1].value, transB: true, addingTo: dh)
            if useBias { addColumnSums(dmx, into: &grads[2]); addColumnSums(dmi, into: &grads[2], offset: 3 * u) }
        } else {
            let dzr = joinColumns([dzPre, drPre])                              // (N, 2U)
            let dRzr = product(h, dzr, transA: true)                           // (U, 2U)
            let dRh = product(kept, dhPre, transA: true)                       // (U, U)
            let dR = joinColumns([dRzr, dRh])
            grads[1].add(dR)
            dh = product(dzr, joinColumns([blocks[0], blocks[1]]), transB: true, addingTo: dh)
            if useBias { addColumnSums(dmx, into: &grads[2]) }
        }
        return (dmx, RecurrentState(h: dh, c: nil))
    }
}
