import Foundation
import Graph
import Imaging
import Tensor
import Visualize

/// What `convscope maximize` reports (Schemas/maximize.schema.json).
public struct MaximizeReport: Codable {
    public struct Run: Codable {
        public var target: String
        public var label: String
        public var objectives: [Double]
        public var png: String
        public var npy: String
    }
    public var method: String
    public var steps: Int
    public var stepSize: Double
    public var seed: UInt64
    public var init_: String
    public var display: String
    public var runs: [Run]
    public var grid: String?

    enum CodingKeys: String, CodingKey { case method, steps, stepSize, seed, init_ = "init", display, runs, grid }
}

public enum Maximize {
    public enum Start: Sendable {
        case noise, zeros
        case file(String)
    }

    public static func run(model: LoadedModel, targets: [MaximizationTarget], settings: MaximizationSettings, start: Start,
                           options: ImageOptions, out: String, quiet: Bool = false) throws -> MaximizeReport {
        guard !targets.isEmpty else { throw CommandError("give --class or --layer with --channel") }
        if settings.method == .fourier, case .noise = start {} else if settings.method == .fourier {
            throw CommandError("--init does not apply to --method fourier (it optimises a random Fourier spectrum from --seed)")
        }
        let mode = options.mode(for: model)
        var settings = settings
        if settings.method == .regularized && settings.clip == nil { settings.clip = ActivationMaximizer.validRange(mode) }
        let maximizers = try targets.map { try ActivationMaximizer(graph: model.imageGraph, target: $0, preActivation: settings.preActivation) }
        try maximizers.forEach { try $0.check(settings.method) }
        let singleFile = targets.count == 1 && out.lowercased().hasSuffix(".png")
        let folder = try OutputFolder(singleFile ? ((out as NSString).deletingLastPathComponent.isEmpty ? "." : (out as NSString).deletingLastPathComponent) : out)
        var runs: [MaximizeReport.Run] = []
        var tiles: [Montage.Tile] = []
        for (k, (target, m)) in zip(targets, maximizers).enumerated() {
            let label = describe(target, classes: model.classCount) + (settings.preActivation && target.isChannel ? " (pre-activation)" : "")
            let bar = ProgressBar(total: settings.steps, label: "maximize \(label.prefix(24))", quiet: quiet)
            let report: (MaximizationStep) -> Void = { s in bar.update(s.step + 1, status: String(format: "objective %.4g", s.objective)) }
            let x: Tensor, history: [MaximizationStep]
            if settings.method == .fourier {
                var s = settings
                s.seed = settings.seed &+ UInt64(k)
                (x, history) = try m.runFourier(settings: s, mode: mode, progress: report)
            } else {
                let x0 = try startTensor(start, maximizer: m, model: model, options: options, mode: mode, method: settings.method, seed: settings.seed &+ UInt64(k))
                (x, history) = try m.run(from: x0, settings: settings, progress: report)
            }
            let picture = ActivationMaximizer.displayImage(x, method: settings.method, mode: mode)
            let base = OutputFolder.safe(targetName(target))
            let png = singleFile ? try folder.png(picture, (out as NSString).lastPathComponent) : try folder.png(picture, base + ".png")
            let npy = try folder.npy(x, ((png as NSString).lastPathComponent as NSString).deletingPathExtension + ".npy")
            runs.append(.init(target: targetName(target), label: label, objectives: history.map(\.objective), png: png, npy: npy))
            tiles.append(.init(displayZoom(picture), caption: label))
        }
        var grid: String?
        if targets.count > 1 {
            grid = try folder.png(Montage.grid(tiles, columns: min(4, tiles.count), padding: 6), "grid.png")
        }
        let initName: String
        switch start {
        case .noise where settings.method == .fourier: initName = "a random Fourier spectrum, N(0, 0.01²) per coefficient"
        case .noise: initName = settings.method == .paper ? "uniform noise in [0, 1) + 100 (the authors' start)" : "grey noise in pixel space, preprocessed"
        case .zeros: initName = "zeros"
        case .file(let p): initName = p
        }
        return MaximizeReport(method: settings.method.rawValue, steps: settings.steps, stepSize: Double(settings.stepSize), seed: settings.seed,
                              init_: initName,
                              display: settings.method == .paper ? "the authors' transform: (x - mean)/max(std, 1e-4)*0.1 + 0.5, clipped to [0, 1]"
                                  : "model input space mapped back to pixels (inverse preprocessing), clipped to [0, 255]",
                              runs: runs, grid: grid)
    }

    static func startTensor(_ start: Start, maximizer m: ActivationMaximizer, model: LoadedModel, options: ImageOptions,
                            mode: Preprocessing, method: MaximizationSettings.Method, seed: UInt64) throws -> Tensor {
        switch start {
        case .noise:
            return m.noiseStart(method: method, mode: mode, seed: seed)
        case .zeros:
            return Tensor(zeros: [1] + m.inputShape)
        case .file(let p):
            let input = try options.loadInputs([p], named: [], for: model)
            return input.tensor.item(0)
        }
    }

    static func targetName(_ t: MaximizationTarget) -> String {
        switch t {
        case .classScore(let c, let p): return "class\(c)\(p ? "_prob" : "")"
        case .channel(let l, let k): return "\(l)_ch\(k)"
        }
    }

    static func describe(_ t: MaximizationTarget, classes: Int?) -> String {
        switch t {
        case .classScore(let c, _):
            if let n = ClassNames.name(c, classes: classes) { return "\(c) \(n.split(separator: ",").first ?? "")" }
            return "class \(c)"
        case .channel(let l, let k): return "\(l) #\(k)"
        }
    }
}
