import Foundation
import Graph
import Imaging
import Tensor
import Zoo

/// The image options every command that reads images shares (`--preprocess`, `--interpolation`, `--size`).
public struct ImageOptions: Sendable {
    /// nil: the model's default (VGG16/ResNet50: caffe; others: scale).
    public var preprocess: Preprocessing?
    public var interpolation: Interpolation = .nearest
    /// (height, width); nil: the model's input size.
    public var size: (height: Int, width: Int)?

    public init(preprocess: Preprocessing? = nil, interpolation: Interpolation = .nearest, size: (height: Int, width: Int)? = nil) {
        self.preprocess = preprocess
        self.interpolation = interpolation
        self.size = size
    }

    /// The preprocessing mode used for `model`: the option, else Keras' mode for a known architecture, else `scale`.
    public func mode(for model: LoadedModel) -> Preprocessing {
        if let preprocess { return preprocess }
        let name = (model.arch ?? model.graph.name).lowercased()
        if name.hasPrefix("vgg") || name.hasPrefix("resnet") { return .caffe }
        return .scale
    }
}

/// Images and tensors ready for a model.
public struct ModelInput {
    /// One batch per model input, in model input space (after preprocessing); images NHWC.
    public let tensors: [Tensor]
    /// The images as loaded and resized (nil entries for `.npy` inputs).
    public let images: [Image?]
    public let mode: Preprocessing
    /// One per item of the batch.
    public let names: [String]

    public init(tensors: [Tensor], images: [Image?], mode: Preprocessing, names: [String]) {
        self.tensors = tensors; self.images = images; self.mode = mode; self.names = names
    }

    /// The batch of the model's first input (the only one for an image model).
    public var tensor: Tensor { tensors[0] }

    /// Item `i` of every input, each with a batch of one.
    public func item(_ i: Int) -> [Tensor] { tensors.map { $0.item(i) } }

    /// A displayable image of item `i` (the loaded image, or the tensor un-preprocessed).
    public func displayImage(_ i: Int) -> Image {
        if let img = images[i] { return img }
        let (h, w, c) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
        let item = tensor.item(i)
        if c == 3 { return mode.image(from: item) }
        return normalizeForDisplay(Tensor(shape: [1, h, w, 1], data: Array(item.data.enumerated().filter { $0.offset % c == 0 }.map(\.element))))
    }
}

extension ImageOptions {
    /// Loads image files (PNG/JPEG, resized as `keras.utils.load_img`) or `.npy` tensors (taken as is, in model input space),
    /// as (N, H, W, C) images: a channels-first model runs them through its `imageGraph`.
    public func load(_ paths: [String], for model: LoadedModel) throws -> ModelInput {
        let shape = model.inputShape
        guard shape.count == 3 else { throw CommandError("model input has shape \(shape); image commands need (height, width, channels)") }
        let target = size ?? (shape[0], shape[1])
        let mode = mode(for: model)
        var items: [Tensor] = []
        var images: [Image?] = []
        var names: [String] = []  // one per item: a .npy batch gives "file.npy[0]", "file.npy[1]", …
        for p in paths {
            if p.lowercased().hasSuffix(".npy") {
                var t = try NPY.read(p)
                if t.rank == 3 { t = t.reshaped([1] + t.shape) }
                // A channels-first model's tensors are (C, H, W), as Keras takes them: held as (H, W, C) images here.
                if model.imageGraph !== model.graph, t.rank == 4, Array(t.shape.dropFirst()) == model.graph.nodes[model.graph.inputNodes[0]].outputShape {
                    t = channelsLast(t)
                }
                guard t.rank == 4, Array(t.shape.dropFirst()) == shape else {
                    throw CommandError("\(p): tensor of shape \(t.shape) does not fit the model input (batch, \(shape.map(String.init).joined(separator: ", ")))")
                }
                for i in 0..<t.batch {
                    items.append(t.item(i))
                    images.append(nil)
                    names.append(t.batch == 1 ? p : "\(p)[\(i)]")
                }
            } else {
                let colorMode: KerasImageLoading.ColorMode = shape[2] == 1 ? .grayscale : (shape[2] == 4 ? .rgba : .rgb)
                let img = try KerasImageLoading.load(p, colorMode: colorMode, targetSize: target, interpolation: interpolation)
                guard img.height == shape[0], img.width == shape[1] else {
                    throw CommandError("\(p): resized to \(img.height)x\(img.width) but the model takes \(shape[0])x\(shape[1])")
                }
                items.append(mode.tensor(from: [img]))
                images.append(img)
                names.append(p)
            }
        }
        guard !items.isEmpty else { throw CommandError("no input images given") }
        return ModelInput(tensors: [Tensor.stack(items)], images: images, mode: mode, names: names)
    }
}
