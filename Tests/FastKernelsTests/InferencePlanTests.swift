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
}
