import ArgumentParser
import Foundation
import Commands

struct PredictCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a model: a classifier's top-K classes with probabilities (ImageNet names for 1000-way models), any other model's outputs.",
        discussion: """
        A classifier is a model with one output, a vector of scores per item (batch, classes), made by a softmax or a
        sigmoid (an Activation or Softmax layer, or the last layer's own activation): predict lists its top classes.
        Any other model's outputs are printed, every output with its shape (long ones abbreviated; --json has all
        values). Inputs: images for an image model, .npy tensors of any rank and numeric dtype for any model, with or
        without the batch axis; a model with several inputs takes one --input NAME=FILE per input.
        """)

    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Images (PNG/JPEG) or .npy tensors in model input space.") var images: [String] = []
    @Option(name: .customLong("input"), help: ArgumentHelp("A model input's .npy file, by the input's name (repeat per input).", valueName: "name=file"))
    var namedInputs: [NamedInput] = []
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Option(help: "Classes to list per image.") var top = 5
    @Option(help: "Images per forward pass.") var batch = 8
    @Flag(help: "Print JSON (Schemas/predict.schema.json).") var json = false
    @OptionGroup var memory: MemoryOptions

    func validate() throws { try requireInputs(images, namedInputs) }

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(model)
            let r = try Predict.run(model: m, inputs: images, named: namedInputs, options: try imageOptions.options(), top: top, batch: batch)
            print(json ? try JSONOutput.string(r) : Predict.render(r))
        }
    }
}

struct ActivationsCommand: ParsableCommand, ReadsInputFiles {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Write any layer's output (nested layers as outer/inner) for one input as .npy, and as a PNG grid of its feature maps with --png.")

    @OptionGroup var inputs: OneInputArguments
    @Option(help: "Layer name (nested layers as outer/inner).") var layer: String
    @Option(help: "Output .npy file or folder.") var out = "activations"
    @Flag(help: "Also write a feature-map grid PNG.") var png = false
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var imageOptions: ImageOptionGroup
    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var memory: MemoryOptions

    func run() throws {
        try ConvScope.guarded {
            let m = try modelOptions.load(inputs.model)
            let r = try Activations.run(model: m, input: inputs.image, named: inputs.namedInputs, options: try imageOptions.options(), layer: layer, out: out, png: png)
            print(json ? try JSONOutput.string(r) : ([r] + (r.outputs ?? [])).map { o in
                "\(o.layer): shape \(o.shape), min \(o.min), max \(o.max), mean \(o.mean)\n  \(o.npy)\(o.png.map { "\n  \($0)" } ?? "")"
            }.joined(separator: "\n"))
        }
    }
}

/// A command that runs a model needs its input: files as arguments, or `--input NAME=FILE` per input, not both.
func requireInputs(_ files: [String], _ named: [NamedInput]) throws {
    if files.isEmpty && named.isEmpty { throw ValidationError("give an input file, or --input NAME=FILE per input of the model") }
    if !files.isEmpty && !named.isEmpty { throw ValidationError("give the input files either as arguments or as --input NAME=FILE, not both") }
}

/// A model file and one input: an image or `.npy` tensor argument, or one `--input NAME=FILE` per model input.
struct OneInputArguments: ParsableArguments {
    @Argument(help: "Keras model or weights file.") var model: String
    @Argument(help: "Image (PNG/JPEG) or .npy tensor.") var image: String?
    @Option(name: .customLong("input"), help: ArgumentHelp("A model input's .npy file, by the input's name (repeat per input).", valueName: "name=file"))
    var namedInputs: [NamedInput] = []

    func validate() throws { try requireInputs(image.map { [$0] } ?? [], namedInputs) }
}
