import Foundation
import Graph
import Imaging
import KerasIO
import Tensor
import TestSupport
import XCTest

/// What a 2025–2026 Keras 3 writes (Fixtures/keras2026, written by the pinned Keras 3.15.1 and tf-keras):
/// sharded weights, bfloat16/float16 datasets, unzipped `.keras` folders, npz weights, architecture and
/// weights in separate files, and the hostile variants of each.
final class Keras2026FormatTests: XCTestCase {
    static func path(_ name: String) -> String { Fixture.path("keras2026/" + name) }
    lazy var expected: JSON = try! Fixture.json("keras2026/expected.json")

    func output(_ model: KerasModel, input: String) throws -> Tensor {
        try model.graph.predict(try NPY.read(Self.path(input)))
    }

    // MARK: Sharded weights

    func testShardedManifestListsWhatKerasWrote() throws {
        let f = try KerasFile.open(Self.path("shard.weights.json"))
        XCTAssertEqual(f.generation, .keras3Weights)
        XCTAssertFalse(f.isFullModel)
        let single = try KerasFile.open(Self.path("shard.weights.h5"))
        // The shards merge into exactly what one .weights.h5 of the same model holds.
        XCTAssertEqual(f.storedWeights.weights.map(\.path), single.storedWeights.weights.map(\.path))
        XCTAssertEqual(f.storedWeights.weights.map(\.shape), single.storedWeights.weights.map(\.shape))
        XCTAssertEqual(f.storedWeights.weights.map(\.layer), single.storedWeights.weights.map(\.layer))
        let facts = expected["shard"]!["sharded"]!
        let s = try XCTUnwrap(f.shards)
        XCTAssertEqual(s.totalSize, facts["total_size"]?.intValue)
        XCTAssertEqual(s.totalDataBytes, facts["total_size"]?.intValue)
        let shards = facts["shards"]!.arrayValue!
        XCTAssertEqual(s.shards.map(\.file), shards.map { $0["file"]!.stringValue! })
        XCTAssertEqual(s.shards.map(\.variables), shards.map { $0["variables"]!.intValue! })
        XCTAssertEqual(s.shards.map(\.dataBytes), shards.map { $0["data_bytes"]!.intValue! })
        // d1's kernel and bias were written to different shards.
        XCTAssertEqual(s.spanning, ["d1"])
        XCTAssertEqual(Set(f.storedWeights.weights.filter { $0.layer == "d1" }.compactMap(\.shard)).count, 2)
    }

    func testShardedWeightsRunOnEveryArchitectureForm() throws {
        let want = try NPY.read(Self.path("shard.out0.npy"))
        for arch in ["shard.keras", "shard.model.json", "shard.config.json", "shard_dir", "k2.model.json"] {
            let a = try ArchitectureFile(path: Self.path(arch))
            for weights in ["shard.weights.json", "shard.weights.h5", "k2-weights.h5", "shard.keras"] {
                let a = try ArchitectureFile(path: Self.path(arch))
                let att = try KerasFile.pair(weightsFile: Self.path(weights), architecture: a)
                XCTAssertEqual(att.assigned.count, 3, "\(arch) + \(weights)")
                XCTAssertLessThan(Fixture.relativeError(try output(a.model, input: "shard.in0.npy"), want), 1e-4, "\(arch) + \(weights)")
            }
            XCTAssertEqual(a.model.parameterCount, expected["shard"]!["params"]!.intValue, arch)
        }
        XCTAssertEqual(try ArchitectureFile(path: Self.path("k2.model.json")).generation, .tfkeras)
        XCTAssertEqual(try ArchitectureFile(path: Self.path("shard.model.json")).generation, .keras3Keras)
    }

    func testMismatchNamesTheLayerAndBothShapes() throws {
        let a = try ArchitectureFile(path: Self.path("half.keras"))
        XCTAssertThrowsError(try KerasFile.pair(weightsFile: Self.path("shard.weights.json"), architecture: a)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("'cb'") && text.contains("(3, 3, 2, 4)") && text.contains("(3, 3, 2, 3)"), text)
        }
    }

    // MARK: Half precision

    func testHalfPrecisionIsReadWithItsStoredDtypeAndRunsInFloat32() throws {
        let f = try KerasFile.open(Self.path("half.keras"))
        let stored = expected["half"]!["stored"]!.arrayValue!
        XCTAssertEqual(f.storedWeights.weights.map(\.dtype), stored.map { $0["dtype"]!.stringValue! })
        XCTAssertEqual(f.storedWeights.weights.map(\.path), stored.map { $0["path"]!.stringValue! })
        let model = try XCTUnwrap(f.model)
        XCTAssertEqual(model.parameterCount, expected["half"]!["params"]!.intValue)
        let want = try NPY.read(Self.path("half.out0.npy"))
        XCTAssertLessThan(Fixture.relativeError(try output(model, input: "half.in0.npy"), want), 1e-4)
        let policies = DtypePolicy.halfPrecisionLayers(of: model)
        let keras = expected["half"]!["policies"]!
        XCTAssertEqual(policies.map(\.layer), ["cb", "dh", "mx"])
        for p in policies {
            XCTAssertEqual(p.policy, keras[p.layer]?["policy"]?.stringValue)
            XCTAssertEqual(p.computeDtype, keras[p.layer]?["compute_dtype"]?.stringValue)
            XCTAssertEqual(p.variableDtype, keras[p.layer]?["variable_dtype"]?.stringValue)
        }
        // The weights file alone lists the same dtypes.
        XCTAssertEqual(try KerasFile.open(Self.path("half.weights.h5")).storedWeights.weights.map(\.dtype),
                       stored.map { $0["dtype"]!.stringValue! })
    }

    // MARK: Other forms

    func testUnzippedFolderReadsLikeTheZip() throws {
        let zip = try KerasFile.open(Self.path("shard.keras"))
        let dir = try KerasFile.open(Self.path("shard_dir"))
        XCTAssertEqual(dir.generation, .keras3Keras)
        XCTAssertEqual(dir.kerasVersion, expected["keras_version"]?.stringValue)
        XCTAssertEqual(dir.storedWeights, zip.storedWeights)
        let want = try NPY.read(Self.path("shard.out0.npy"))
        XCTAssertLessThan(Fixture.relativeError(try output(try XCTUnwrap(dir.model), input: "shard.in0.npy"), want), 1e-4)
    }

    func testNPZWeightsAreRefusedAsKerasItselfRefusesThem() throws {
        // Keras' own loader fails on what it wrote (recorded by the generator).
        XCTAssertNotNil(expected["shard"]?["npz_keras_load_error"]?.stringValue)
        for f in ["shard.npz.keras", "bad/bomb.weights.npz"] {
            XCTAssertThrowsError(try KerasFile.open(Self.path(f)), f) { e in
                XCTAssertEqual((e as? KerasIOError)?.kind, .unsupported, "\(e)")
                XCTAssertTrue("\(e)".contains("pickled"), "\(e)")
            }
        }
    }

    // MARK: Hostile variants

    func testHostileManifestsAndDatasetsAreRefusedNamingTheShard() throws {
        let cases: [(String, String)] = [
            ("bad/traversal.weights.json", "shard '../shard_00000.weights.h5'"),
            ("bad/absolute.weights.json", "shard '/etc/shard_00000.weights.h5'"),
            ("bad/twice.weights.json", "named twice"),
            ("bad/missing.weights.json", "shard 'gone_00000.weights.h5': is missing"),
            ("bad/total.weights.json", "total_size"),
            ("bad/swapped.weights.json", "shard 'swapped_00002.weights.h5'"),
            ("bad/bf16-size.weights.h5", "4-byte elements"),
        ]
        for (file, phrase) in cases {
            XCTAssertThrowsError(try KerasFile.open(Self.path(file)), file) { e in
                XCTAssertTrue(e is KerasIOError, "\(file): \(type(of: e))")
                XCTAssertTrue("\(e)".contains(phrase), "\(file): \(e)")
                XCTAssertFalse("\(e)".contains("\n"))
            }
        }
    }

    func testSymlinkedShardIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-shard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for n in ["shard_00000.weights.h5", "shard_00001.weights.h5"] {
            try FileManager.default.copyItem(atPath: Self.path(n), toPath: dir.appendingPathComponent(n).path)
        }
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("shard_00002.weights.h5").path,
                                                   withDestinationPath: Self.path("shard_00002.weights.h5"))
        try FileManager.default.copyItem(atPath: Self.path("shard.weights.json"), toPath: dir.appendingPathComponent("m.weights.json").path)
        XCTAssertThrowsError(try KerasFile.open(dir.appendingPathComponent("m.weights.json").path)) { e in
            XCTAssertTrue("\(e)".contains("shard 'shard_00002.weights.h5': is a symbolic link"), "\(e)")
        }
    }
}

extension Keras2026FormatTests {
    /// A legacy weights file without keras_version reports what it shows, not a guessed version.
    func testLegacyWeightsWithoutVersionSayWhatTheyShow() throws {
        let tf = try KerasFile.open(Self.path("noversion.weights.h5"))
        XCTAssertNil(tf.kerasVersion)
        let e = try XCTUnwrap(tf.generationEvidence)
        XCTAssertTrue(e.contains("keras_version not recorded") && e.contains("'c1/kernel:0'"), e)
        let k1 = try KerasFile.open(Self.path("keras1-names.weights.h5"))
        XCTAssertEqual(k1.generation, .keras1)
        XCTAssertTrue(try XCTUnwrap(k1.generationEvidence).contains("Keras 1 weight names such as 'c1_W'"))
        // With the version recorded there is nothing to explain.
        XCTAssertNil(try KerasFile.open(Self.path("k2-weights.h5")).generationEvidence)
        // Both still load onto the architecture by Keras' positional rule and run as Keras does.
        let want = try NPY.read(Self.path("shard.out0.npy"))
        for w in ["noversion.weights.h5", "keras1-names.weights.h5"] {
            let a = try ArchitectureFile(path: Self.path("shard.keras"))
            try KerasFile.pair(weightsFile: Self.path(w), architecture: a)
            XCTAssertLessThan(Fixture.relativeError(try output(a.model, input: "shard.in0.npy"), want), 1e-4, w)
        }
    }
}
