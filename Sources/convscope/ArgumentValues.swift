import ArgumentParser
import Commands
import Graph
import Imaging
import KerasIO
import Matching
import Training
import Visualize

// Options with a fixed set of values parse straight into the libraries' enums; `--help` lists the values
// and ArgumentParser refuses any other (exit 2).

extension Preprocessing: ExpressibleByArgument {}
extension Interpolation: ExpressibleByArgument {}
extension BackwardRule: ExpressibleByArgument {}
extension ProjectionSeed: ExpressibleByArgument {}
extension SaliencyMapper.Method: ExpressibleByArgument {}
extension IntegratedGradientsBaseline: ExpressibleByArgument {}
extension FaithfulnessMetric: ExpressibleByArgument {}
extension MaximizationSettings.Method: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension MatchingRule: ExpressibleByArgument {}
extension KerasFormatChoice: ExpressibleByArgument {}
extension ExportDtype: ExpressibleByArgument {}
extension TFJSQuantization: ExpressibleByArgument {}

extension OptimizerKind: ExpressibleByArgument {
    /// Any case, as Keras' own `optimizers.get` accepts.
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension Maximize.Start: ExpressibleByArgument {
    /// `noise`, `zeros`, or the path of an image or .npy tensor.
    public init?(argument: String) {
        switch argument {
        case "noise": self = .noise
        case "zeros": self = .zeros
        default: self = .file(argument)
        }
    }
}

/// `--input NAME=FILE`: one file per named model input.
extension NamedInput: ExpressibleByArgument {}

/// `bow --scheme`: `nn-visu` (also `nnVisu`, any case) or `standard`.
enum BoWScheme: String, CaseIterable, ExpressibleByArgument {
    case standard, nnVisu = "nn-visu"

    init?(argument: String) {
        let key = argument.replacingOccurrences(of: "-", with: "").lowercased()
        guard let s = BoWScheme.allCases.first(where: { $0.rawValue.replacingOccurrences(of: "-", with: "") == key }) else { return nil }
        self = s
    }

    var scheme: TFIDFScheme {
        switch self {
        case .standard: return .standard
        case .nnVisu: return .nnVisu
        }
    }
}

/// `match --method`: one detector or both.
enum MatchMethodChoice: String, CaseIterable, ExpressibleByArgument {
    case sift, harris, both
    var methods: [MatchMethod] {
        switch self {
        case .sift: return [.sift]
        case .harris: return [.harris]
        case .both: return [.sift, .harris]
        }
    }
}

/// `maximize --objective`: a class's pre-softmax score (the paper's) or its softmax probability.
enum MaximizeObjective: String, CaseIterable, ExpressibleByArgument {
    case logit, probability
}
