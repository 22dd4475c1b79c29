import Commands
import Foundation
import KerasIO
import TestSupport
import XCTest

/// Converting tf.keras SavedModel directories and TensorFlow checkpoints (paired with an architecture) with the
/// existing writers: every output loads in the pinned Keras 3 (and tf-keras for h5) and predicts what
/// `tf_keras.models.load_model(savedmodel)` predicted (Fixtures/tfcontainers/*.out*.npy).
final class TFContainerExportTests: XCTestCase {
    func fixture(_ p: String) -> String { Fixture.path("tfcontainers/" + p) }

    func testKerasLoadsSavedModelAndCheckpointExports() throws {
        guard let python = ProcessInfo.processInfo.environment["CONVSCOPE_PYTHON"], !python.isEmpty else {
            XCTFail("CONVSCOPE_PYTHON is not set: this test loads the exported files in Keras 3 and tf-keras; run scripts/test.sh (it sets CONVSCOPE_PYTHON to the pinned venv)")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-tfc-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let io: [String: (String, Int, Int)] = ["tiny": ("tiny", 1, 1), "multi": ("multi", 2, 2), "nested": ("nested", 1, 1),
                                                 "legacy24": ("multi", 2, 2), "compiled": ("tiny", 1, 1)]
        var cases: [[String: Any]] = []
        for (name, (arch, ins, outs)) in io.sorted(by: { $0.key < $1.key }) {
            let inputs = (0..<ins).map { fixture("\(name).in\($0).npy") }
            let outputs = (0..<outs).map { fixture("\(name).out\($0).npy") }
            var sources: [(String, LoadedModel)] = [("savedmodel", try ModelLoader.load(fixture("\(name).savedmodel"), arch: nil, warn: false))]
            if FileManager.default.fileExists(atPath: fixture("\(name).ckpt")) {
                // The checkpoint on the architecture of an h5 file read without its values.
                let file = try KerasFile.open(fixture("\(arch).tfkeras.h5"), loadValues: false)
                let model = try XCTUnwrap(file.model)
                let a = try KerasFile.attach(weightsFile: fixture("\(name).ckpt"), to: model)
                XCTAssertEqual(a.unusedStored, [], name)
                sources.append(("ckpt", LoadedModel(graph: model.graph, model: model, file: file, arch: nil, attachment: a)))
            }
            for (kind, loaded) in sources {
                for format in KerasExportFormat.allCases {
                    let out = dir.appendingPathComponent("\(name).\(kind).\(format.rawValue).\(ExportTests.ext(format))").path
                    try loaded.write(format, to: out)
                    var c: [String: Any] = ["file": out, "inputs": inputs, "outputs": outputs, "kind": format == .tfjs ? "tfjs" : format.isFullModel ? "model" : "weights"]
                    switch format {
                    case .keras3H5, .keras, .keras3ShardedWeights: c["require"] = ["keras3"]
                    case .tfjs: c["require"] = ["tf_keras"]
                    case .tfkerasH5: c["require"] = arch == "nested" ? ["tf_keras"] : ["tf_keras", "keras3"]
                    case .weightsH5, .keras3Weights: c["require"] = ["keras3", "tf_keras"]
                    }
                    if !format.isFullModel {
                        c["architecture"] = ["keras3": ExportTests.fixture("\(arch).keras3.h5"), "tf_keras": ExportTests.fixture("\(arch).tfkeras.h5")]
                    }
                    cases.append(c)
                }
            }
        }
        try ExportTests.kerasLoadCheck(cases, python: python, dir: dir)
        XCTAssertGreaterThan(cases.count, 40)
    }

    func testSameFormatIsRefusedForTensorFlowContainers() throws {
        let loaded = try ModelLoader.load(fixture("tiny.savedmodel"), arch: nil, warn: false)
        XCTAssertThrowsError(try loaded.exportFormat(.same, out: nil)) { e in
            XCTAssertTrue("\(e)".contains("out of scope"), "\(e)")
        }
    }
}
