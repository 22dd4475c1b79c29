import Graph

/// The paper's two CIFAR-sized models, layer names as in the authors' files (docs/paper-facts.md, "Models").
extension Zoo {
    /// Conv: 3,410,184 parameters.
    static func conv() throws -> (graph: Graph, config: JSON) {
        var b = ZooBuilder(name: "conv")
        var x = try b.input("input", shape: [32, 32, 3])
        x = try b.add("Conv2D", "conv1", conv2D(32, 3, padding: "same"), [x])
        x = try b.add("Dropout", "dropout_1", dropout(0.2), [x])
        x = try b.add("Conv2D", "conv2", conv2D(32, 3, padding: "same"), [x])
        x = try b.add("MaxPooling2D", "pool2", pool(2), [x])
        x = try b.add("Conv2D", "conv3", conv2D(64, 3, padding: "same"), [x])
        x = try b.add("Dropout", "dropout_2", dropout(0.2), [x])
        x = try b.add("Conv2D", "conv4", conv2D(64, 3, padding: "same"), [x])
        x = try b.add("MaxPooling2D", "pool4", pool(2), [x])
        x = try b.add("Conv2D", "conv5", conv2D(128, 3, padding: "same"), [x])
        x = try b.add("Dropout", "dropout_3", dropout(0.2), [x])
        x = try b.add("Conv2D", "conv6", conv2D(128, 3, padding: "same"), [x])
        x = try b.add("MaxPooling2D", "pool6", pool(2), [x])
        x = try b.add("Flatten", "flatten", [("data_format", "channels_last")], [x])
        x = try b.add("Dropout", "dropout_4", dropout(0.2), [x])
        x = try b.add("Dense", "dense1", dense(1024, "relu", maxNorm: 3), [x])
        x = try b.add("Dropout", "dropout_5", dropout(0.2), [x])
        x = try b.add("Dense", "dense2", dense(1000, "softmax"), [x])
        return b.finish(output: x)
    }

    /// Vonc: 1,791,144 parameters.
    static func vonc() throws -> (graph: Graph, config: JSON) {
        var b = ZooBuilder(name: "vonc")
        var x = try b.input("input", shape: [32, 32, 3])
        x = try b.add("Conv2D", "block1_conv1", conv2D(32, 3, padding: "valid"), [x])
        x = try b.add("Conv2D", "block1_conv2", conv2D(64, 3, padding: "valid"), [x])
        x = try b.add("MaxPooling2D", "pool1", pool(2), [x])
        x = try b.add("Dropout", "dropout_1", dropout(0.25), [x])
        x = try b.add("Conv2D", "block2_conv1", conv2D(128, 3, padding: "valid"), [x])
        x = try b.add("MaxPooling2D", "pool2", pool(2), [x])
        x = try b.add("Conv2D", "block2_conv2", conv2D(128, 3, padding: "valid"), [x])
        x = try b.add("MaxPooling2D", "pool3", pool(2), [x])
        x = try b.add("Dropout", "dropout_2", dropout(0.25), [x])
        x = try b.add("Flatten", "flatten", [("data_format", "channels_last")], [x])
        x = try b.add("Dense", "dense1", dense(1024, "relu"), [x])
        x = try b.add("Dropout", "dropout_3", dropout(0.25), [x])
        x = try b.add("Dense", "dense2", dense(1000, "softmax"), [x])
        return b.finish(output: x)
    }
}
