import Foundation

/// One epoch's results, as Keras' `History` logs them (plus timing).
public struct EpochLog: Codable, Equatable, Sendable {
    /// 0-based epoch index.
    public var epoch: Int
    /// Sample-weighted mean of the batch losses (Keras' running `loss` at epoch end).
    public var loss: Double
    public var accuracy: Double
    public var valLoss: Double?
    public var valAccuracy: Double?
    /// Learning rate at the end of the epoch (Keras logs `optimizer.learning_rate`, i.e. the next step's).
    public var learningRate: Double
    public var seconds: Double
    public var imagesPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case epoch, loss, accuracy, valLoss = "val_loss", valAccuracy = "val_accuracy"
        case learningRate = "lr", seconds, imagesPerSecond = "images_per_second"
    }

    public init(epoch: Int, loss: Double, accuracy: Double, valLoss: Double? = nil, valAccuracy: Double? = nil,
                learningRate: Double = 0, seconds: Double = 0, imagesPerSecond: Double = 0) {
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
        self.valLoss = valLoss
        self.valAccuracy = valAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }
}

/// Per-epoch logs of a run, Codable to JSON.
public struct History: Codable, Equatable, Sendable {
    public var epochs: [EpochLog] = []
    /// Epoch (0-based) at which early stopping ended the run, if it did.
    public var stoppedEpoch: Int?
    /// Epoch whose weights were restored by early stopping, if any.
    public var restoredEpoch: Int?

    public init() {}

    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }

    public static func decode(_ data: Data) throws -> History { try JSONDecoder().decode(History.self, from: data) }
}
