import Foundation
import Graph
import Tensor
import TestSupport
import Visualize
import XCTest

/// Issue 18's occlusion recomputing only what a patch changes (`RegionForward`) against the whole graph on every
/// occluded image: small VGG-like and ResNet-like graphs with odd sizes, SAME and VALID padding, strides > 1,
/// zero paddings and croppings, BatchNormalization, patches at the borders; within 1e-5.
final class IncrementalOcclusionTests: XCTestCase {
    private final class Builder {
        let graph = Graph(name: "g")
        var rng = SeededRandom(seed: 5)
        func add(_ cls: String, _ name: String, _ config: String, _ inputs: [Int]) throws -> Int {
            try graph.add(try LayerRegistry.make(className: cls, name: name, config: try JSONParser().parse(config)), inputs: inputs)
        }
        func conv(_ filters: Int, _ k: Int, _ s: Int, _ padding: String, _ activation: String) -> String {
            #"{"filters": \#(filters), "kernel_size": [\#(k), \#(k)], "strides": [\#(s), \#(s)], "padding": "\#(padding)", "activation": "\#(activation)", "use_bias": true}"#
        }
        func pool(_ k: Int, _ s: Int, _ padding: String) -> String { #"{"pool_size": [\#(k), \#(k)], "strides": [\#(s), \#(s)], "padding": "\#(padding)"}"# }
        func input(_ h: Int, _ w: Int) throws -> Int {
            let x = try add("InputLayer", "x", #"{"batch_shape": [null, \#(h), \#(w), 3], "dtype": "float32"}"#, [])
            graph.inputNodes = [x]
            return x
        }
        func finish(_ y: Int) -> Graph {
            graph.outputNodes = [y]
            for layer in graph.layers {
                for k in layer.weights.indices {
                    // Kernels scaled by their fan-in, so that the class probabilities are neither 0 nor 1.
                    let v = layer.weights[k].value, variance = layer.weights[k].name == "moving_variance"
                    let scale = v.rank > 1 ? 1.5 / Float(v.count / v.shape.last!).squareRoot() : 0.3
                    for i in v.data.indices { layer.weights[k].value.data[i] = variance ? 0.5 + rng.uniform() : rng.normal() * scale }
                }
            }
            return graph
        }
    }

    /// Convolutions SAME and VALID, stride 2, max pooling SAME (padded positions never win) and VALID, BatchNormalization
    /// and an activation layer, on a 23×19 image.
    private func vggLike() throws -> Graph {
        let b = Builder()
        var y = try b.input(23, 19)
        y = try b.add("Conv2D", "c1", b.conv(4, 3, 1, "same", "relu"), [y])
        y = try b.add("Conv2D", "c2", b.conv(5, 3, 1, "same", "relu"), [y])
        y = try b.add("MaxPooling2D", "p1", b.pool(2, 2, "valid"), [y])                  // 11×9
        y = try b.add("Conv2D", "c3", b.conv(6, 3, 1, "valid", "relu"), [y])              // 9×7
        y = try b.add("Conv2D", "c4", b.conv(6, 3, 2, "same", "linear"), [y])             // 5×4
        y = try b.add("BatchNormalization", "bn", #"{"axis": -1, "epsilon": 0.001}"#, [y])
        y = try b.add("Activation", "act", #"{"activation": "relu"}"#, [y])
        y = try b.add("MaxPooling2D", "p2", b.pool(3, 2, "same"), [y])                   // 3×2
        y = try b.add("Flatten", "flat", "{}", [y])
        return b.finish(try b.add("Dense", "fc", #"{"units": 7, "activation": "softmax"}"#, [y]))
    }

    /// A ResNet stem (ZeroPadding2D, 7×7/2 VALID convolution, BatchNormalization, ReLU, ZeroPadding2D, 3×3/2 max
    /// pooling), a cropping, then a residual block: the chain ends at the fork.
    private func resnetLike() throws -> Graph {
        let b = Builder()
        var y = try b.input(29, 27)
        y = try b.add("ZeroPadding2D", "pad1", #"{"padding": [[3, 3], [3, 3]]}"#, [y])
        y = try b.add("Conv2D", "conv1", b.conv(4, 7, 2, "valid", "linear"), [y])         // 15×14
        y = try b.add("BatchNormalization", "bn1", #"{"axis": 3, "epsilon": 0.001}"#, [y])
        y = try b.add("ReLU", "relu1", "{}", [y])
        y = try b.add("ZeroPadding2D", "pad2", #"{"padding": [[1, 1], [1, 1]]}"#, [y])
        y = try b.add("MaxPooling2D", "pool1", b.pool(3, 2, "valid"), [y])                // 8×7
        y = try b.add("Cropping2D", "crop", #"{"cropping": [[1, 0], [0, 1]]}"#, [y])       // 7×6
        let branch = try b.add("Conv2D", "b1", b.conv(4, 3, 1, "same", "relu"), [y])
        let sum = try b.add("Add", "add", "{}", [branch, y])
        y = try b.add("GlobalAveragePooling2D", "gap", "{}", [sum])
        return b.finish(try b.add("Dense", "fc", #"{"units": 5, "activation": "linear"}"#, [y]))
    }

    private func image(_ h: Int, _ w: Int, seed: UInt64) -> Tensor {
        var rng = SeededRandom(seed: seed)
        return Tensor(shape: [1, h, w, 3], data: (0..<(h * w * 3)).map { _ in rng.normal() })
    }

    private func assertSameMaps(_ graph: Graph, _ x: Tensor, patch: Int, stride: Int, probe: (String, Int)?, _ label: String) throws {
        let mapper = try SaliencyMapper(graph: graph)
        let fast = try mapper.occlusion(x, patch: patch, stride: stride, fill: 0.3, classIndex: 1, probe: probe, path: .incremental)
        let full = try mapper.occlusion(x, patch: patch, stride: stride, fill: 0.3, classIndex: 1, probe: probe, path: .full)
        XCTAssertEqual(fast.probability.shape, full.probability.shape, label)
        XCTAssertLessThanOrEqual(Fixture.relativeError(fast.probability, full.probability), 1e-5, "\(label) probability")
        XCTAssertGreaterThan(full.probability.max - full.probability.min, 1e-4, "\(label): a flat map would compare trivially")
        if probe != nil {
            XCTAssertLessThanOrEqual(Fixture.relativeError(try XCTUnwrap(fast.activation), try XCTUnwrap(full.activation)), 1e-5, "\(label) activation")
            XCTAssertEqual(fast.topClass?.data, full.topClass?.data, label)
        }
    }

    func testIncrementalOcclusionEqualsTheFullPath() throws {
        let vgg = try vggLike(), resnet = try resnetLike()
        try assertSameMaps(vgg, image(23, 19, seed: 1), patch: 3, stride: 2, probe: nil, "vgg-like patch 3 stride 2")
        try assertSameMaps(vgg, image(23, 19, seed: 2), patch: 5, stride: 3, probe: ("c4", 2), "vgg-like patch 5 stride 3, probe")
        try assertSameMaps(resnet, image(29, 27, seed: 3), patch: 4, stride: 5, probe: ("relu1", 1), "resnet-like, probe in the chain")
        try assertSameMaps(resnet, image(29, 27, seed: 4), patch: 2, stride: 3, probe: nil, "resnet-like patch 2")
    }

    /// Every chain layer over windows (no cut for size), against the plan on the occluded images, variants at the four
    /// corners and inside; the chain stops where the graph forks.
    func testRegionForwardEqualsThePlanThroughTheWholeChain() throws {
        for (graph, size, layers) in [(try vggLike(), (23, 19), 8), (try resnetLike(), (29, 27), 7)] {
            let x = image(size.0, size.1, seed: 9)
            let (h, w) = size
            let changes = [SpatialRect(rows: 0..<3, columns: 0..<3), SpatialRect(rows: h - 3..<h, columns: w - 3..<w),
                           SpatialRect(rows: 0..<3, columns: w - 3..<w), SpatialRect(rows: h - 3..<h, columns: 0..<3),
                           SpatialRect(rows: 7..<10, columns: 5..<8)]
            let out = graph.outputNodes[0]
            let region = try XCTUnwrap(try RegionForward(graph: graph, targets: [out], image: x, changes: changes, maxFraction: 1))
            XCTAssertEqual(region.windowedLayers, layers, graph.name)
            let values = try region.run(1..<changes.count) { i, window, slot in
                for y in changes[i].rows { for xx in changes[i].columns { for q in 0..<3 {
                    slot[((y - window.rows.lowerBound) * window.columns.count + xx - window.columns.lowerBound) * 3 + q] = -1.5
                } } }
            }
            var occluded = Tensor(zeros: [changes.count - 1, h, w, 3])
            for j in 0..<(changes.count - 1) {
                for p in 0..<(h * w * 3) { occluded.data[j * h * w * 3 + p] = x.data[p] }
                for y in changes[j + 1].rows { for xx in changes[j + 1].columns { for q in 0..<3 { occluded.data[((j * h + y) * w + xx) * 3 + q] = -1.5 } } }
            }
            let want = try InferencePlan(graph: graph).predict(occluded)
            XCTAssertLessThanOrEqual(Fixture.relativeError(try XCTUnwrap(values[out]), want), 1e-5, graph.name)
        }
    }

    /// A first layer that cannot run over windows (an average pooling that pads) leaves the graph to the full path.
    func testAGraphWithoutAWindowedChainHasNoRegionForward() throws {
        let b = Builder()
        var y = try b.input(9, 9)
        y = try b.add("AveragePooling2D", "avg", b.pool(2, 2, "same"), [y])
        y = try b.add("Flatten", "flat", "{}", [y])
        let graph = b.finish(try b.add("Dense", "fc", #"{"units": 3}"#, [y]))
        XCTAssertNil(try RegionForward(graph: graph, targets: graph.outputNodes, image: image(9, 9, seed: 1),
                                       changes: [SpatialRect(rows: 0..<2, columns: 0..<2)]))
        try assertSameMaps(graph, image(9, 9, seed: 2), patch: 3, stride: 3, probe: nil, "fallback")
    }
}
