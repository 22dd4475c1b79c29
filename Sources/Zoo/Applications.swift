import Graph

/// VGG16 and ResNet50 as `keras.applications` builds them (default 1000-way tops, Keras 3 layer names).
extension Zoo {
    /// VGG16: 138,357,544 parameters.
    static func vgg16() throws -> (graph: Graph, config: JSON) {
        var b = ZooBuilder(name: "vgg16")
        var x = try b.input("input_layer", shape: [224, 224, 3])
        for (block, (filters, convs)) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)].enumerated() {
            for c in 1...convs {
                x = try b.add(Conv2D.self, "block\(block + 1)_conv\(c)", conv2D(filters, 3, padding: "same"), [x])
            }
            x = try b.add(MaxPooling2D.self, "block\(block + 1)_pool", pool(2), [x])
        }
        x = try b.add(Flatten.self, "flatten", [("data_format", "channels_last")], [x])
        x = try b.add(Dense.self, "fc1", dense(4096, "relu"), [x])
        x = try b.add(Dense.self, "fc2", dense(4096, "relu"), [x])
        x = try b.add(Dense.self, "predictions", dense(1000, "softmax"), [x])
        return b.finish(output: x)
    }

    /// ResNet50: 25,636,712 parameters, 53,120 of them non-trainable (BatchNormalization moving statistics).
    static func resnet50() throws -> (graph: Graph, config: JSON) {
        var b = ZooBuilder(name: "resnet50")
        var x = try b.input("input_layer", shape: [224, 224, 3])
        x = try b.add(ZeroPadding2D.self, "conv1_pad", [("padding", [.ints([3, 3]), .ints([3, 3])]), ("data_format", "channels_last")], [x])
        x = try b.add(Conv2D.self, "conv1_conv", conv2D(64, 7, padding: "valid", activation: "linear", strides: 2), [x])
        x = try b.add(BatchNormalization.self, "conv1_bn", batchNorm(), [x])
        x = try b.add(ActivationLayer.self, "conv1_relu", [("activation", "relu")], [x])
        x = try b.add(ZeroPadding2D.self, "pool1_pad", [("padding", [.ints([1, 1]), .ints([1, 1])]), ("data_format", "channels_last")], [x])
        x = try b.add(MaxPooling2D.self, "pool1_pool", pool(3, strides: 2), [x])
        for (stage, (filters, blocks, stride)) in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)].enumerated() {
            for k in 1...blocks {
                x = try bottleneck(&b, x, filters: filters, stride: k == 1 ? stride : 1,
                                   projection: k == 1, name: "conv\(stage + 2)_block\(k)")
            }
        }
        x = try b.add(GlobalAveragePooling2D.self, "avg_pool", [("data_format", "channels_last"), ("keepdims", false)], [x])
        x = try b.add(Dense.self, "predictions", dense(1000, "softmax"), [x])
        return b.finish(output: x)
    }

    /// keras.applications `block1`, layers added in the order Keras lists them in `model.layers`.
    private static func bottleneck(_ b: inout ZooBuilder, _ input: String, filters: Int, stride: Int,
                                   projection: Bool, name: String) throws -> String {
        var x = try b.add(Conv2D.self, name + "_1_conv", conv2D(filters, 1, padding: "valid", activation: "linear", strides: stride), [input])
        x = try b.add(BatchNormalization.self, name + "_1_bn", batchNorm(), [x])
        x = try b.add(ActivationLayer.self, name + "_1_relu", [("activation", "relu")], [x])
        x = try b.add(Conv2D.self, name + "_2_conv", conv2D(filters, 3, padding: "same", activation: "linear"), [x])
        x = try b.add(BatchNormalization.self, name + "_2_bn", batchNorm(), [x])
        x = try b.add(ActivationLayer.self, name + "_2_relu", [("activation", "relu")], [x])
        var shortcut = input
        if projection {
            shortcut = try b.add(Conv2D.self, name + "_0_conv", conv2D(4 * filters, 1, padding: "valid", activation: "linear", strides: stride), [input])
        }
        x = try b.add(Conv2D.self, name + "_3_conv", conv2D(4 * filters, 1, padding: "valid", activation: "linear"), [x])
        if projection { shortcut = try b.add(BatchNormalization.self, name + "_0_bn", batchNorm(), [shortcut]) }
        x = try b.add(BatchNormalization.self, name + "_3_bn", batchNorm(), [x])
        x = try b.add(Add.self, name + "_add", [], [shortcut, x])
        return try b.add(ActivationLayer.self, name + "_out", [("activation", "relu")], [x])
    }

    static func batchNorm() -> [(String, JSON)] {
        [("axis", 3), ("momentum", 0.99), ("epsilon", 1.001e-5), ("center", true), ("scale", true)]
    }
}
