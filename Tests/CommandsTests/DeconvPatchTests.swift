import Commands
import Cost
import Foundation
import TestSupport
import XCTest

/// The top-9 view crops each image at its unit's receptive field: the one `ReceptiveField` `inspect`
/// reports, whose size Fixtures/py/cost.py computes from the Keras model.
final class DeconvPatchTests: XCTestCase {
    func testTopImagesAreCroppedAtTheUnitsReceptiveField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-deconv-patch-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["baseline.jpg", "rgb.png", "palette.png"] {
            try FileManager.default.copyItem(at: Repository.resources.appendingPathComponent("imaging/" + name), to: images.appendingPathComponent(name))
        }
        let model = try ModelLoader.load(Fixture.path("models/conv_small.keras3.h5"), arch: nil)
        let r = try Deconv.dataset(model: model, folder: images.path, options: ImageOptions(), layer: "conv3", channel: 0, top: 3,
                                   rule: .deconvnet, out: dir.appendingPathComponent("out").path)
        let field = try XCTUnwrap(ModelCost.analyze(graph: model.imageGraph).layers[try model.imageGraph.resolve("conv3").id].receptiveField)
        // conv_small's conv3 sits where the paper Conv's does: cost.py's field for it.
        let keras = try Fixture.json("cost/expected.json")["models"]?["conv"]?["layers"]?["conv3"]?["receptive_field"]
        XCTAssertEqual(field.size, keras?["size"]?.arrayValue?.compactMap(\.intValue))
        XCTAssertEqual(field.stride, keras?["stride"]?.arrayValue?.compactMap(\.intValue))
        XCTAssertEqual(r.top.count, 3)
        for item in r.top {
            let box = try XCTUnwrap(field.box(ofUnit: [item.y, item.x], clippedTo: [32, 32]))
            XCTAssertEqual(item.patch, [box.origin[1], box.origin[0], box.size[1], box.size[0]], item.image)
        }
    }
}
