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
