import Foundation
import Graph
import Imaging
import Visualize

/// The main job on an embedded default: a small Conv-like network really trained on scikit-learn's
/// digits (made by Fixtures/generate.py, 96% test accuracy) and digit images that ship inside the binary.
public struct DemoReport: Codable {
    public var model: String
    public var predictions: [PredictReport.Item]
    public var accuracy: Double
    public var deconvMontage: String
    public var guidedMontage: String
    public var saliency: String
    public var gradcam: String
    public var maximizeGrid: String
    public var folder: String
}

public enum Demo {
    static func resource(_ name: String) throws -> String {
        let base = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Resources/demo") else {
            throw CommandError("the demo resource \(name) is missing from this build")
        }
        return url.path
    }

    public static func run(out: String, quiet: Bool = false) throws -> DemoReport {
        let modelPath = try resource("digits_conv.h5")
        let model = try ModelLoader.load(modelPath, arch: nil)
        let digits = try (0..<10).map { try resource("digit_\($0).png") }
        let options = ImageOptions(preprocess: .scale)
        let folder = try OutputFolder(out)

        let predictions = try Predict.run(model: model, inputs: digits, options: options, top: 3, batch: 10)
        let correct = predictions.items.enumerated().filter { $0.element.top?.first?.classIndex == $0.offset }.count

        let sample = digits[3]
        let deconv = try Deconv.run(model: model, input: sample, options: options, layers: nil, selection: .strongest,
                                    rule: .deconvnet, seed: .activation, out: folder.path("deconv"))
        let guided = try Deconv.run(model: model, input: sample, options: options, layers: nil, selection: .strongest,
                                    rule: .guided, seed: .activation, out: folder.path("guided"))
        let saliency = try Saliency.run(model: model, input: sample, options: options, classIndex: nil, method: .gradient,
                                        layer: nil, overlay: false, out: folder.path("saliency_gradient.png"))
        let gradcam = try Saliency.run(model: model, input: sample, options: options, classIndex: nil, method: .gradcam,
                                       layer: nil, overlay: true, out: folder.path("saliency_gradcam.png"))
        var settings = MaximizationSettings.regularizedLight
        settings.steps = 60
        settings.stepSize = 0.02
        let maximize = try Maximize.run(model: model, targets: (0..<10).map { .classScore($0, probability: false) },
                                        settings: settings, start: .noise, options: options, out: folder.path("maximize"), quiet: quiet)
        return DemoReport(model: "digits_conv (Conv-like, trained on scikit-learn digits)", predictions: predictions.items,
                          accuracy: Double(correct) / Double(digits.count), deconvMontage: deconv.montage, guidedMontage: guided.montage,
                          saliency: saliency.png, gradcam: gradcam.png, maximizeGrid: maximize.grid ?? "", folder: folder.url.path)
    }

    public static func render(_ r: DemoReport) -> String {
        var lines = ["Model: \(r.model)",
                     "Predictions on the 10 bundled digits: \(Int(r.accuracy * 10))/10 correct"]
        for (i, p) in r.predictions.enumerated() {
            guard let t = p.top?.first else { continue }
            lines.append(String(format: "  digit_%d.png → %d (p = %.3f)", i, t.classIndex, t.probability))
        }
        lines += ["DeconvNet montage (Figure 2 layout): \(r.deconvMontage)",
                  "Guided backprop montage:            \(r.guidedMontage)",
                  "Gradient saliency:                  \(r.saliency)",
                  "Grad-CAM overlay:                   \(r.gradcam)",
                  "Class maximization grid (0–9):      \(r.maximizeGrid)"]
        return lines.joined(separator: "\n")
    }
}
