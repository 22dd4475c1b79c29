import Commands
import Foundation
import Graph
import Imaging
import Tensor
import TestSupport
import XCTest

/// Issue 15, channels_first: the channels-first CNN of Fixtures/chfirst (Keras 3) through the commands as a user
/// runs them: its (C, H, W) tensors and images in, Keras' probabilities out, DeconvNet and saliency maps as images.
extension CLITests {
    func testChannelsFirstCNNThroughTheImageCommands() throws {
        let dir = fixtures.appendingPathComponent("chfirst")
        let model = try ModelLoader.load(dir.appendingPathComponent("cnn.keras3.h5").path, arch: nil)
        XCTAssertEqual(model.graph.nodes[model.graph.inputNodes[0]].outputShape, [3, 16, 14])
        XCTAssertEqual(model.inputShape, [16, 14, 3], "image commands take (height, width, channels) images")
        let batch = dir.appendingPathComponent("cnn.in.npy").path                      // (2, 3, 16, 14), as Keras takes it
        let r = try Predict.run(model: model, inputs: [batch], options: ImageOptions(), top: 4, batch: 2)
        let keras = try NPY.read(dir.appendingPathComponent("cnn.out.npy").path)
        XCTAssertEqual(r.items.count, 2)
        for (i, item) in r.items.enumerated() {
            for g in try XCTUnwrap(item.top) { XCTAssertEqual(g.probability, Double(keras.data[i * 4 + g.classIndex]), accuracy: 1e-4) }
        }
        let out = try temporaryFolder()
        // One item as a (1, 3, 16, 14) .npy, and as a PNG image of 16×14.
        let one = out.appendingPathComponent("one.npy").path
        try NPY.write(try NPY.read(batch).item(0), to: one)
        let png = out.appendingPathComponent("one.png").path
        try ImageFile.save(Image(width: 14, height: 16, channels: 3, fill: 120), to: png)
        for input in [one, png] {
            let d = try Deconv.run(model: model, input: input, options: ImageOptions(), layers: nil, selection: .strongest,
                                   rule: .deconvnet, seed: .activation, out: out.appendingPathComponent("deconv").path)
            XCTAssertEqual(d.projections.map(\.layer), ["conv_a", "pool_a", "conv_b", "pool_b"])
            for item in d.projections { XCTAssertEqual(try NPY.read(item.npy).shape, [1, 16, 14, 3], "projections are images") }
            let s = try Saliency.run(model: model, input: input, options: ImageOptions(), classIndex: 1, method: .guided,
                                     layer: nil, overlay: false, out: out.appendingPathComponent("saliency").path)
            XCTAssertEqual(s.classIndex, 1)
            let cam = try Saliency.run(model: model, input: input, options: ImageOptions(), classIndex: 1, method: .gradcam,
                                       layer: nil, overlay: true, out: out.appendingPathComponent("gradcam").path)
            XCTAssertEqual(cam.classIndex, 1)
        }
        let act = try Activations.run(model: model, input: one, options: ImageOptions(), layer: "conv_a",
                                      out: out.appendingPathComponent("act").path, png: true)
        XCTAssertEqual(act.shape, [1, 6, 16, 14], "activations are written as Keras computes them")
        XCTAssertNotNil(act.png)
    }
}
