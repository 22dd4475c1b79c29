import Foundation
import Tensor

/// Keras 3 `EarlyStopping` (keras/src/callbacks/early_stopping.py and monitor_callback.py, 3.15).
///
/// At each epoch end, with `current` the monitored value:
///
///     if epoch < start_from_epoch: return
///     if restore_best_weights and best_weights is None: best_weights = weights; best_epoch = epoch
///     wait += 1
///     if improvement(current, best):          # loss:  current − min_delta < best  (min_delta negated)
///         best = current; best_epoch = epoch  # accuracy: current − min_delta > best
///         if restore_best_weights: best_weights = weights
///         if baseline is None or improvement(current, baseline): wait = 0
///         return
///     if wait >= patience and epoch > 0: stop (stopped_epoch = epoch)
///
/// and at train end, when `restore_best_weights` and best weights exist, they are restored,
/// whether or not training stopped early. `best` starts as nil (any value improves on it).
public struct EarlyStopping: Codable, Equatable, Sendable {
    public enum Monitor: String, Codable, CaseIterable, Sendable {
        case loss, valLoss = "val_loss", accuracy, valAccuracy = "val_accuracy"
        /// Losses improve downwards, accuracies upwards (Keras mode 'auto').
        public var lowerIsBetter: Bool { self == .loss || self == .valLoss }
    }

    public var monitor: Monitor
    public var minDelta: Double
    public var patience: Int
    public var restoreBestWeights: Bool
    public var baseline: Double?
    public var startFromEpoch: Int

    public private(set) var wait = 0
    public private(set) var best: Double?
    public private(set) var bestEpoch = 0
    /// Epoch (0-based) at which training stopped; 0 when it did not, as in Keras.
    public private(set) var stoppedEpoch = 0
    /// Weights by variable key at the best epoch (when `restoreBestWeights`).
    public var bestWeights: [String: [Tensor]]?

    enum CodingKeys: String, CodingKey {
        case monitor, minDelta, patience, restoreBestWeights, baseline, startFromEpoch, wait, best, bestEpoch, stoppedEpoch
    }

    public init(monitor: Monitor = .valLoss, minDelta: Double = 0, patience: Int = 0,
                restoreBestWeights: Bool = false, baseline: Double? = nil, startFromEpoch: Int = 0) {
        self.monitor = monitor
        self.minDelta = abs(minDelta)
        self.patience = patience
        self.restoreBestWeights = restoreBestWeights
        self.baseline = baseline
        self.startFromEpoch = startFromEpoch
    }

    /// Keras `on_train_begin`: forgets earlier runs.
    public mutating func reset() {
        wait = 0; stoppedEpoch = 0; best = nil; bestWeights = nil; bestEpoch = 0
    }

    /// `monitor_op(current − min_delta, reference)` with min_delta negated for losses.
    func isImprovement(_ value: Double, over reference: Double?) -> Bool {
        guard let reference else { return true }
        return monitor.lowerIsBetter ? value + minDelta < reference : value - minDelta > reference
    }

    /// Keras `on_epoch_end`. `weights` is asked for only when they must be kept. Returns true to stop.
    public mutating func epochEnded(_ epoch: Int, value current: Double?, weights: () -> [String: [Tensor]]) -> Bool {
        guard let current, epoch >= startFromEpoch else { return false }
        if restoreBestWeights && bestWeights == nil {
            bestWeights = weights()
            bestEpoch = epoch
        }
        wait += 1
        if isImprovement(current, over: best) {
            best = current
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = weights() }
            if baseline == nil || isImprovement(current, over: baseline) { wait = 0 }
            return false
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            return true
        }
        return false
    }

    /// Keras `on_train_end`: the weights to restore, if any.
    public var weightsToRestore: [String: [Tensor]]? { restoreBestWeights ? bestWeights : nil }

    /// The monitored value from an epoch's log.
    public func value(in log: EpochLog) -> Double? {
        switch monitor {
        case .loss: return log.loss
        case .valLoss: return log.valLoss
        case .accuracy: return log.accuracy
        case .valAccuracy: return log.valAccuracy
        }
    }
}

extension EarlyStopping {
    /// `monitor=val_loss,min-delta=0.001,patience=3[,restore]`; `none` turns it off.
    public static func parse(option s: String) throws -> EarlyStopping? {
        let text = s.trimmingCharacters(in: .whitespaces)
        if text.isEmpty || text.lowercased() == "none" { return nil }
        var e = EarlyStopping(monitor: .valLoss)
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let key = kv[0].lowercased().replacingOccurrences(of: "_", with: "-")
            func value() throws -> String {
                guard kv.count == 2, !kv[1].isEmpty else { throw TrainingError.badArgument("--early-stopping: '\(part)' needs a value") }
                return kv[1]
            }
            switch key {
            case "monitor":
                let v = try value()
                guard let m = EarlyStopping.Monitor(rawValue: v) else {
                    throw TrainingError.badArgument("--early-stopping: monitor must be one of \(EarlyStopping.Monitor.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                e.monitor = m
            case "min-delta":
                guard let v = Double(try value()), v.isFinite else { throw TrainingError.badArgument("--early-stopping: min-delta must be a number") }
                e.minDelta = abs(v)
            case "patience":
                guard let v = Int(try value()), v >= 0 else { throw TrainingError.badArgument("--early-stopping: patience must be a non-negative integer") }
                e.patience = v
            case "restore", "restore-best-weights":
                e.restoreBestWeights = kv.count == 1 || ["true", "1", "yes"].contains(kv[1].lowercased())
            case "start-from-epoch":
                guard let v = Int(try value()), v >= 0 else { throw TrainingError.badArgument("--early-stopping: start-from-epoch must be a non-negative integer") }
                e.startFromEpoch = v
            default:
                throw TrainingError.badArgument("--early-stopping: unknown setting '\(kv[0])' (monitor=, min-delta=, patience=, restore)")
            }
        }
        return e
    }
}
