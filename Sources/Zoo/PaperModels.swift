import Graph

/// The paper's two CIFAR-sized models, layer names as in the authors' files (docs/paper-facts.md, "Models").
extension Zoo {
    /// Conv: 3,410,184 parameters.
    static func conv() throws -> (graph: Graph, config: JSON) {
        var b = ZooBuilder(name: "conv")
        var x = try b.input("input", shape: [32, 32, 3])
        x = try b.add(Conv2D.self, "conv1", conv2D(32, 3, padding: "same"), [x])
        x = try b.add(Dropout.self, "dropout_1", dropout(0.2), [x])
        x = try b.add(Conv2D.self, "conv2", conv2D(32, 3, padding: "same"), [x])
        x = try b.add(MaxPooling2D.self, "pool2", pool(2), [x])
        x = try b.add(Conv2D.self, "conv3", conv2D(64, 3, padding: "same"), [x])
        x = try b.add(Dropout.self, "dropout_2", dropout(0.2), [x])
        x = try b.add(Conv2D.self, "conv4", conv2D(64, 3, padding: "same"), [x])
        x = try b.add(MaxPooling2D.self, "pool4", pool(2), [x])
        x = try b.add(Conv2D.self, "conv5", conv2D(128, 3, padding: "same"), [x])
        x = try b.add(Dropout.self, "dropout_3", dropout(0.2), [x])
        x = try b.add(Conv2D.self, "conv6", conv2D(128, 3, padding: "same"), [x])
        x = try b.add(MaxPooling2D.self, "pool6", pool(2), [x])
        x = try b.add(Flatten.self, "flatten", [("data_format", "channels_last")], [x])
        x = try b.add(Dropout.self, "dropout_4", dropout(0.2), [x])
        x = try b.add(Dense.self, "dense1", dense(1024, "relu", maxNorm: 3), [x])
        x = try b.add(Dropout.self, "dropout_5", dropout(0.2), [x])
        x = try b.add(Dense.self, "dense2", dense(1000, "softmax"), [x])
        return b.finish(output: x)
    }

    /// Vonc: 1,791,144 parameters.
    static func vonc() throws -> (graph: Graph, config: JSON) {
        var b = ZooBuilder(name: "vonc")
        var x = try b.input("input", shape: [32, 32, 3])
        x = try b.add(Conv2D.self, "block1_conv1", conv2D(32, 3, padding: "valid"), [x])
        x = try b.add(Conv2D.self, "block1_conv2", conv2D(64, 3, padding: "valid"), [x])
        x = try b.add(MaxPooling2D.self, "pool1", pool(2), [x])
        x = try b.add(Dropout.self, "dropout_1", dropout(0.25), [x])
        x = try b.add(Conv2D.self, "block2_conv1", conv2D(128, 3, padding: "valid"), [x])
        x = try b.add(MaxPooling2D.self, "pool2", pool(2), [x])
        x = try b.add(Conv2D.self, "block2_conv2", conv2D(128, 3, padding: "valid"), [x])
        x = try b.add(MaxPooling2D.self, "pool3", pool(2), [x])
        x = try b.add(Dropout.self, "dropout_2", dropout(0.25), [x])
        x = try b.add(Flatten.self, "flatten", [("data_format", "channels_last")], [x])
        x = try b.add(Dense.self, "dense1", dense(1024, "relu"), [x])
        x = try b.add(Dropout.self, "dropout_3", dropout(0.25), [x])
        x = try b.add(Dense.self, "dense2", dense(1000, "softmax"), [x])
        return b.finish(output: x)
    }
}
