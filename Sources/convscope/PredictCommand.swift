import ArgumentParser
import Foundation
import Commands

struct PredictCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images with a model: top-K classes with probabilities (ImageNet names for 1000-way models).")

    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Images (PNG/JPEG) or .npy tensors in model input space.") var images: [String]
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Option(help: "Classes to list per image.") var top = 5
    @Option(help: "Images per forward pass.") var batch = 8
    @Flag(help: "Print JSON (Schemas/predict.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(model)
            let r = try Predict.run(model: m, inputs: images, options: try imageOptions.options(), top: top, batch: batch)
            print(json ? try JSONOutput.string(r) : Predict.render(r))
        }
    }
}

struct ActivationsCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Write any layer's output for an image as .npy, and as a PNG grid of its feature maps with --png.")

    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Image (PNG/JPEG) or .npy tensor.") var image: String
    @Option(help: "Layer name (nested layers as outer/inner).") var layer: String
    @Option(help: "Output .npy file or folder.") var out = "activations"
    @Flag(help: "Also write a feature-map grid PNG.") var png = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(model)
            let r = try Activations.run(model: m, input: image, options: try imageOptions.options(), layer: layer, out: out, png: png)
            print(json ? try JSONOutput.string(r) : "\(r.layer): shape \(r.shape), min \(r.min), max \(r.max), mean \(r.mean)\n  \(r.npy)\(r.png.map { "\n  \($0)" } ?? "")")
        }
    }
}
