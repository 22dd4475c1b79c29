import FastKernels
import Graph
import Tensor
import TestSupport
import XCTest
import Zoo

/// The inference plan (folded BatchNormalization, fused bias/ReLU/residual epilogues on oneDNN) against
/// the layer-by-layer forward it replaces, and against Keras on the committed small models.
final class InferencePlanTests: XCTestCase {
    /// ResNet50 with random weights and random, non-trivial BatchNormalization statistics: every
    /// convolution fuses, each BatchNormalization folds, each residual Add and ReLU runs in an epilogue,
    /// and the logits equal the unfused forward's.
    func testResNet50PlanFoldsEveryBatchNormalizationAndMatchesTheForward() throws {
        let graph = try Zoo.graph(named: "resnet50").logitGraph()
        var rng = SeededRandom(seed: 5)
        for layer in graph.layers {
            for k in layer.weights.indices {
                let w = layer.weights[k], fanIn = Float(w.value.shape.dropLast().reduce(1, *))
                for i in w.value.data.indices {
                    switch w.name {
                    case "moving_variance": layer.weights[k].value.data[i] = 0.5 + rng.uniform()
                    case "gamma": layer.weights[k].value.data[i] = 0.5 + rng.uniform()
                    case "beta", "moving_mean", "bias": layer.weights[k].value.data[i] = 0.1 * rng.normal()
                    default: layer.weights[k].value.data[i] = rng.normal() * (2 / max(fanIn, 1)).squareRoot()
                    }
                }
            }
        }
        let x = Tensor(shape: [1, 224, 224, 3], data: (0..<(224 * 224 * 3)).map { _ in rng.uniform() * 2 - 1 })
        let plan = InferencePlan(graph: graph)
        XCTAssertEqual(plan.fusedConvolutions, 53)
        // 53 BatchNormalizations, 16 residual Adds, 49 ReLUs (the ones after the Adds and inside the blocks, the stem's).
        XCTAssertEqual(plan.foldedLayers, 53 + 16 + 49)
        XCTAssertEqual(plan.foldedPaddings, 2)                                  // conv1_pad into conv1; pool1_pad, after the stem's ReLU
        let variances = graph.layers.flatMap { $0.weights.filter { $0.name == "moving_variance" }.map(\.value) }
        let fast = try plan.predict(x), reference = try graph.predict(x)
        XCTAssertEqual(fast.shape, reference.shape)
        XCTAssertLessThanOrEqual(Fixture.relativeError(fast, reference), 1e-4)
        // Weights untouched: the plan folds into its own copies.
        XCTAssertEqual(graph.layers.flatMap { $0.weights.filter { $0.name == "moving_variance" }.map(\.value) }, variances)
    }

    /// conv_small and resnet_small (Fixtures/models): the plan's output equals Keras'.
    func testSmallModelsThroughThePlanMatchKeras() throws {
        let expected = try Fixture.json("models/expected.json")
        for name in ["conv_small", "resnet_small"] {
            let info = expected[name]!
            let graph = try Fixture.graph("models/" + info["file"]!.stringValue!)
            let x = try Fixture.npy("models/" + info["input"]!.stringValue!)
            let plan = InferencePlan(graph: graph)
            XCTAssertGreaterThan(plan.fusedConvolutions, 0, name)
            let y = try plan.predict(x)
            let err = Fixture.relativeError(y, try Fixture.npy("models/" + info["output"]!.stringValue!))
            XCTAssertLessThanOrEqual(err, 1e-4, name)
        }
    }

    /// A node asked for is never folded away: its value comes back as the unfused forward computes it.
    func testTargetsInsideAFusibleChainAreKept() throws {
        let graph = try Zoo.graph(named: "resnet50")
        let bn = try graph.resolve("conv1_bn").id
        let plan = InferencePlan(graph: graph, targets: [bn])
        var rng = SeededRandom(seed: 3)
        let x = Tensor(shape: [1, 224, 224, 3], data: (0..<(224 * 224 * 3)).map { _ in rng.uniform() })
        var ctx = ForwardContext()
        let want = try graph.forward([x], targets: [bn], context: &ctx).values[bn]!
        XCTAssertLessThanOrEqual(Fixture.relativeError(try plan.run([x])[bn]!, want), 1e-5)
    }

    /// A small ResNet-like graph on odd sizes: `ZeroPadding2D` + max pooling after a ReLU'd convolution and
    /// + average pooling fold into oneDNN's pooling; a zero padding after a linear convolution, or one that
    /// leaves a max window with only padded positions, stays a layer. The plan equals the layer-by-layer forward.
    func testZeroPaddingFoldsIntoPoolingOnlyWhereExact() throws {
        let graph = Graph(name: "padded_pools")
        func add(_ cls: String, _ name: String, _ config: String, _ input: Int?) throws -> Int {
            let layer = try LayerRegistry.make(className: cls, name: name, config: try JSONParser().parse(config))
            return try graph.add(layer, inputs: input.map { [$0] } ?? [])
        }
        func conv(_ filters: Int, _ k: Int, _ activation: String) -> String {
            #"{"filters": \#(filters), "kernel_size": [\#(k), \#(k)], "strides": [1, 1], "padding": "same", "activation": "\#(activation)", "use_bias": true}"#
        }
        func pool(_ k: Int, _ s: Int) -> String { #"{"pool_size": [\#(k), \#(k)], "strides": [\#(s), \#(s)], "padding": "valid"}"# }
        let input = try add("InputLayer", "x", #"{"batch_shape": [null, 11, 13, 3], "dtype": "float32"}"#, nil)
        graph.inputNodes = [input]
        var y = try add("Conv2D", "c1", conv(5, 3, "relu"), input)
        y = try add("ZeroPadding2D", "p1", #"{"padding": [[1, 2], [1, 0]]}"#, y)           // folds: 14×14, every 3×3/2 window reads the input
        y = try add("MaxPooling2D", "m1", pool(3, 2), y)                                       // 6×6×5
        y = try add("Conv2D", "c2", conv(4, 1, "linear"), y)
        y = try add("ZeroPadding2D", "p2", #"{"padding": 1}"#, y)                                // folds: zeros counted as Keras counts them
        y = try add("AveragePooling2D", "a2", pool(2, 2), y)                                     // 4×4×4, negative values
        y = try add("ZeroPadding2D", "p3", #"{"padding": 1}"#, y)                                // stays: a maximum over a linear output
        y = try add("MaxPooling2D", "m3", pool(2, 2), y)                                         // 3×3×4
        y = try add("Conv2D", "c4", conv(3, 3, "relu"), y)
        y = try add("ZeroPadding2D", "p4", #"{"padding": [[2, 0], [0, 1]]}"#, y)                 // stays: the first window row is all zeros
        y = try add("MaxPooling2D", "m4", pool(2, 2), y)                                         // 2×2×3
        graph.outputNodes = [y]
        var rng = SeededRandom(seed: 11)
        for layer in graph.layers {
            for k in layer.weights.indices {
                for i in layer.weights[k].value.data.indices { layer.weights[k].value.data[i] = rng.normal() * 0.5 }
            }
        }
        let plan = InferencePlan(graph: graph)
        XCTAssertEqual(plan.foldedPaddings, 2)
        XCTAssertEqual(plan.covered(at: try graph.resolve("m1").id), [try graph.resolve("p1").id, try graph.resolve("m1").id])
        for batch in [1, 3] {
            let x = Tensor(shape: [batch, 11, 13, 3], data: (0..<(batch * 11 * 13 * 3)).map { _ in rng.normal() })
            let fast = try plan.predict(x), reference = try graph.predict(x)
            XCTAssertEqual(fast.shape, reference.shape)
            XCTAssertLessThanOrEqual(Fixture.relativeError(fast, reference), 1e-5, "batch \(batch)")
        }
        // The conditions on their own: a linear input, a window of padding only, an average the pooling pads itself.
        let g = ConvGeometry(inH: 14, inW: 14, channels: 5, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: .valid)
        XCTAssertTrue(FastPooling.folds(zeroPadding: [1, 2, 1, 0], kind: .maximum, geometry: g, nonNegative: true))
        XCTAssertFalse(FastPooling.folds(zeroPadding: [1, 2, 1, 0], kind: .maximum, geometry: g, nonNegative: false))
        XCTAssertFalse(FastPooling.folds(zeroPadding: [3, 0, 0, 0], kind: .maximum, geometry: g, nonNegative: true))
        XCTAssertTrue(FastPooling.folds(zeroPadding: [1, 2, 1, 0], kind: .average, geometry: g, nonNegative: false))
        let same = ConvGeometry(inH: 14, inW: 14, channels: 5, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: .same)
        XCTAssertFalse(FastPooling.folds(zeroPadding: [1, 1, 1, 1], kind: .average, geometry: same, nonNegative: true))
        XCTAssertTrue(FastPooling.folds(zeroPadding: [1, 1, 1, 1], kind: .maximum, geometry: same, nonNegative: true))
    }

    /// Activations kept in oneDNN's own layout between steps (blocked `nChw8c`/`nChw16c` where it picks one, as
    /// under AVX2): channel counts that are not multiples of 8 or 16, odd sizes, batch 1 and 3, a zero padding
    /// folded into a convolution, a residual read twice (by a convolution and by the sum), pooling between
    /// convolutions, a target inside the chain and a Dense layer at the end. Equal to the layer-by-layer forward,
    /// and to the plan with every activation in NHWC.
    func testOneDNNLayoutChainsMatchTheForward() throws {
        let graph = Graph(name: "layout_chain")
        func add(_ cls: String, _ name: String, _ config: String, _ inputs: [Int]) throws -> Int {
            let layer = try LayerRegistry.make(className: cls, name: name, config: try JSONParser().parse(config))
            return try graph.add(layer, inputs: inputs)
        }
        func conv(_ filters: Int, _ k: Int, _ s: Int, _ padding: String, _ activation: String) -> String {
            #"{"filters": \#(filters), "kernel_size": [\#(k), \#(k)], "strides": [\#(s), \#(s)], "padding": "\#(padding)", "activation": "\#(activation)", "use_bias": true}"#
        }
        let input = try add("InputLayer", "x", #"{"batch_shape": [null, 19, 23, 3], "dtype": "float32"}"#, [])
        graph.inputNodes = [input]
        var y = try add("ZeroPadding2D", "pad", #"{"padding": [[2, 1], [3, 2]]}"#, [input])          // folds into c1's padding
        y = try add("Conv2D", "c1", conv(13, 5, 2, "valid", "relu"), [y])                              // 10×12×13
        let trunk = try add("Conv2D", "c2", conv(21, 3, 1, "same", "relu"), [y])                       // read twice
        let inner = try add("Conv2D", "c3", conv(9, 1, 1, "same", "relu"), [trunk])                 // a target
        y = try add("Conv2D", "c4", conv(21, 3, 1, "same", "linear"), [inner])
        y = try add("Add", "sum", "{}", [y, trunk])                                                    // c4's epilogue sums trunk
        y = try add("ReLU", "relu", "{}", [y])
        y = try add("MaxPooling2D", "pool", #"{"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}"#, [y])   // 5×6×21
        y = try add("Conv2D", "c5", conv(35, 3, 2, "same", "relu"), [y])                               // 3×3×35
        y = try add("AveragePooling2D", "avg", #"{"pool_size": [2, 2], "strides": [1, 1], "padding": "valid"}"#, [y])
        y = try add("Flatten", "flat", "{}", [y])
        y = try add("Dense", "dense", #"{"units": 7, "activation": "linear", "use_bias": true}"#, [y])
        graph.outputNodes = [y]
        var rng = SeededRandom(seed: 17)
        for layer in graph.layers {
            for k in layer.weights.indices {
                for i in layer.weights[k].value.data.indices { layer.weights[k].value.data[i] = rng.normal() * 0.3 }
            }
        }
        let targets = [y, inner]
        let chosen = InferencePlan(graph: graph, targets: targets), nhwc = InferencePlan(graph: graph, targets: targets, layout: .nhwc)
        XCTAssertEqual(chosen.fusedConvolutions, 5)
        XCTAssertEqual(chosen.foldedPaddings, 1)
        XCTAssertEqual(chosen.foldedLayers, 2)                                                          // the Add and ReLU after c4
        for batch in [1, 3, 1] {                                        // back to 1: primitives and buffers made again
            let x = Tensor(shape: [batch, 19, 23, 3], data: (0..<(batch * 19 * 23 * 3)).map { _ in rng.normal() })
            var context = ForwardContext()
            let want = try graph.forward([x], targets: targets, context: &context).values
            for plan in [chosen, nhwc] {
                for _ in 0..<2 {                                        // the second call reuses the arena's buffers
                    let got = try plan.run([x])
                    for t in targets {
                        XCTAssertEqual(got[t]!.shape, want[t]!.shape)
                        XCTAssertLessThanOrEqual(Fixture.relativeError(got[t]!, want[t]!), 1e-5, "batch \(batch), node \(t), \(plan.layout)")
                    }
                }
            }
            XCTAssertEqual(nhwc.blockedSteps, 0)
            if OneDNN.isa == "avx2" { XCTAssertGreaterThan(chosen.blockedSteps, 0, "AVX2 picks nChw8c") }
        }
    }
}
