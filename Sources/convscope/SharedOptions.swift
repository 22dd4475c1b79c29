import ArgumentParser
import Commands
import Imaging
import Tensor

/// `--arch`, `--threads` and `--dequantize`, shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Architecture for a weights-only file: a built-in name (conv, vonc, vgg16, resnet50) or a file holding one (model JSON, config.json, .keras, full .h5).") var arch: String?
    @Option(help: "Weights file (legacy .h5, .weights.h5, sharded .weights.json, .keras) loaded onto the architecture the model argument names.") var weights: String?
    @Option(help: "Threads for OpenBLAS and ConvScope's own loops (default: all cores).") var threads: Int?
    @Flag(help: "Run a quantized model's float path: its layers dequantized (int8/int4) or with their stored float kernels (float8).")
    var dequantize = false

    func load(_ path: String) throws -> LoadedModel {
        if let threads { Threading.set(threads) }
        let m = try ModelLoader.load(path, arch: arch, weights: weights)
        return dequantize ? try m.dequantized() : m
    }
}

/// Image options shared by every command that reads images.
struct ImageOptionGroup: ParsableArguments {
    @Option(help: "Preprocessing as keras.applications (default: caffe for VGG16/ResNet50, else scale).")
    var preprocess: Preprocessing?
    @Option(help: "Resize interpolation as keras.utils.load_img (nearest is Keras' default).")
    var interpolation: Interpolation = .nearest
    @Option(help: "Resize images to HxW before use (default: the model's input size).") var size: String?

    func options() throws -> ImageOptions {
        var o = ImageOptions(preprocess: preprocess, interpolation: interpolation)
        if let s = size {
            let parts = s.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else { throw ValidationError("--size must look like 224x224") }
            o.size = (parts[0], parts[1])
        }
        return o
    }
}
