import Foundation
import HDF5
import TestSupport
import XCTest

/// Tests for the HDF5 wrapper. Fixtures in Resources/hdf5 were made by Resources/hdf5/make.py (h5py 3.14, Keras 3.15).
final class HDF5Tests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("convscope-hdf5-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    private func fixture(_ name: String) throws -> String {
        let url = Repository.resource("hdf5/" + name)
        return try XCTUnwrap(FileManager.default.fileExists(atPath: url.path) ? url : nil, "missing fixture \(name)").path
    }

    private func scratchPath(_ name: String) -> String {
        scratch.appendingPathComponent(name).path
    }

    /// Asserts `body` throws an `H5Error` whose one-line description names `path` and contains `fragment`.
    private func assertH5Error<T>(
        mentioning path: String, _ fragment: String = "", file: StaticString = #filePath, line: UInt = #line,
        _ body: () throws -> T
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let h5 = error as? H5Error else {
                return XCTFail("expected H5Error, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(h5.description.contains(path), "\(h5) should name \(path)", file: file, line: line)
            if !fragment.isEmpty {
                XCTAssertTrue(h5.description.contains(fragment), "\(h5) should mention \(fragment)", file: file, line: line)
            }
            XCTAssertFalse(h5.description.contains("\n"), file: file, line: line)
        }
    }

    // MARK: - Round trips

    func testRoundTripGroupsAndDatasetsOfEveryRank() throws {
        let path = scratchPath("roundtrip.h5")
        do {
            let file = try H5File.create(path)
            let root = try file.root
            let nested = try root.createGroup("model/layer")
            XCTAssertEqual(nested.path, "/model/layer")
            try nested.createDataset(name: "scalar", shape: [], floats: [3.25])
            try nested.createDataset(name: "vector", shape: [3], floats: [1, -2, 0.5])
            try nested.createDataset(name: "matrix", shape: [2, 2], doubles: [1e-300, 2, 3, 4e300])
            try nested.createDataset(name: "cube", shape: [2, 1, 3], ints: [1, -2, 3, Int64.max, Int64.min, 0])
            try nested.createDataset(name: "kernel", shape: [3, 3, 1, 2], floats: (0..<18).map { Float($0) / 2 })
            try nested.createDataset(name: "empty", shape: [0, 4], floats: [])
            // Intermediate groups appear for slash-separated names, as Keras' "conv/kernel:0" needs.
            try root.createDataset(name: "w/conv/kernel:0", shape: [1], floats: [7])
            try file.flush()
            file.close()
        }
        let file = try H5File.open(path)
        let root = try file.root
        XCTAssertEqual(try root.children().map(\.name), ["model", "w"])
        let layer = try root.group("model/layer")
        XCTAssertEqual(try layer.children(), ["cube", "empty", "kernel", "matrix", "scalar", "vector"].map {
            H5Link(name: $0, kind: .dataset)
        })
        let scalar = try layer.dataset("scalar")
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.elementCount, 1)
        XCTAssertEqual(try scalar.readFloats(), [3.25])
        XCTAssertEqual(try layer.dataset("vector").readFloats(), [1, -2, 0.5])
        let matrix = try layer.dataset("matrix")
        XCTAssertEqual(matrix.dtype, .float64)
        XCTAssertEqual(try matrix.readDoubles(), [1e-300, 2, 3, 4e300])
        let cube = try layer.dataset("cube")
        XCTAssertEqual(cube.dtype, .int64)
        XCTAssertEqual(cube.shape, [2, 1, 3])
        XCTAssertEqual(try cube.readDoubles(), [1, -2, 3, Double(Int64.max), Double(Int64.min), 0])
        let kernel = try root.dataset("/model/layer/kernel")
        XCTAssertEqual(kernel.shape, [3, 3, 1, 2])
        XCTAssertEqual(kernel.dtype, .float32)
        XCTAssertEqual(kernel.path, "/model/layer/kernel")
        XCTAssertEqual(try kernel.readFloats(), (0..<18).map { Float($0) / 2 })
        XCTAssertEqual(kernel.storageSize, 18 * 4)
        XCTAssertEqual(kernel.filters, [])
        XCTAssertFalse(kernel.hasExternalStorage)
        let empty = try layer.dataset("empty")
        XCTAssertEqual(empty.shape, [0, 4])
        XCTAssertEqual(try empty.readFloats(), [])
        XCTAssertEqual(try root.dataset("w/conv/kernel:0").readFloats(), [7])
    }

    func testAttributeRoundTripInBothStringEncodings() throws {
        let path = scratchPath("attributes.h5")
        do {
            let file = try H5File.create(path)
            let root = try file.root
            try root.setAttribute("fixed", .string("tensorflow"), fixedLength: true)
            try root.setAttribute("vlen", .string("naïve ✓"))
            try root.setAttribute("fixed_names", .strings(["a", "bbb", ""]), fixedLength: true)
            try root.setAttribute("vlen_names", .strings(["α", "beta"]))
            try root.setAttribute("no_names", .strings([]), fixedLength: true)
            try root.setAttribute("ints", .ints([-1, 0, 1 << 40]))
            try root.setAttribute("doubles", .doubles([]))
            let dataset = try root.createDataset(name: "d", shape: [1], floats: [1])
            try dataset.setAttribute("unit", .string("px"))
            try root.setAttribute("ints", .ints([5]))  // replaces
        }
        let root = try H5File.open(path).root
        XCTAssertEqual(
            try root.attributeNames(), ["doubles", "fixed", "fixed_names", "ints", "no_names", "vlen", "vlen_names"])
        XCTAssertEqual(try root.attribute("fixed"), .string("tensorflow"))
        XCTAssertEqual(try root.attribute("vlen"), .string("naïve ✓"))
        XCTAssertEqual(try root.attribute("fixed_names"), .strings(["a", "bbb", ""]))
        XCTAssertEqual(try root.attribute("vlen_names"), .strings(["α", "beta"]))
        XCTAssertEqual(try root.attribute("no_names"), .strings([]))
        XCTAssertEqual(try root.attribute("ints"), .ints([5]))
        XCTAssertEqual(try root.attribute("doubles"), .doubles([]))
        XCTAssertEqual(try root.stringArray(named: "doubles"), [])
        XCTAssertEqual(try root.dataset("d").attribute("unit"), .string("px"))
        XCTAssertFalse(try root.hasAttribute("missing"))
        assertH5Error(mentioning: path, "no attribute 'missing'") { try root.attribute("missing") }
        assertH5Error(mentioning: path, "holds numbers") { try root.stringArray(named: "ints") }
    }

    func testLargeStringListsAreSplitLikeKeras() throws {
        let path = scratchPath("split.h5")
        // 3,000 names of 30 bytes = 90,000 bytes > 64,512: Keras needs two parts.
        let names = (0..<3000).map { String(format: "layer_%024d", $0) }
        do {
            let root = try H5File.create(path).root
            try root.setStringArrayAttribute("layer_names", ["stale"])
            try root.setStringArrayAttribute("layer_names", names)
            try root.setStringArrayAttribute("vlen_names", names, fixedLength: false)
            try root.setStringArrayAttribute("short", ["a", "b"])
        }
        let root = try H5File.open(path).root
        XCTAssertEqual(
            try root.attributeNames(),
            ["layer_names0", "layer_names1", "short", "vlen_names0", "vlen_names1"])
        XCTAssertEqual(try root.attribute("layer_names0").stringList?.count, 1500)
        XCTAssertEqual(try root.stringArray(named: "layer_names"), names)
        XCTAssertEqual(try root.stringArray(named: "vlen_names"), names)
        XCTAssertEqual(try root.attribute("short"), .strings(["a", "b"]))
        assertH5Error(mentioning: path, "nor split") { try root.stringArray(named: "absent") }
    }

    // MARK: - Attributes written by h5py and Keras

    func testFixedLengthStringAttributes() throws {
        let root = try H5File.open(fixture("attributes.h5")).root
        XCTAssertEqual(try root.attribute("layer_names"), .strings(["input_1", "conv2d_1", "dense"]))
        XCTAssertEqual(try root.attribute("keras_version"), .string("2.2.4"))
        XCTAssertEqual(try root.attribute("space_padded"), .strings(["ab", "abcd"]))
        XCTAssertEqual(try root.attribute("null_terminated"), .string("xyz"))
        XCTAssertEqual(try root.stringArray(named: "keras_version"), ["2.2.4"])
    }

    func testVariableLengthStringAttributes() throws {
        let root = try H5File.open(fixture("attributes.h5")).root
        XCTAssertEqual(try root.attribute("backend"), .string("tensorflow"))
        XCTAssertEqual(try root.attribute("vlen_names"), .strings(["alpha", "béta", "γ"]))
    }

    func testNumericAndEmptyAttributes() throws {
        let root = try H5File.open(fixture("attributes.h5")).root
        XCTAssertEqual(try root.attribute("weight_names"), .doubles([]))
        XCTAssertEqual(try root.stringArray(named: "weight_names"), [])
        XCTAssertEqual(try root.attribute("int_scalar"), .ints([-7]))
        XCTAssertEqual(try root.attribute("int_array"), .ints([1, 2, 3]))
        XCTAssertEqual(try root.attribute("uint_array"), .ints([250, 251]))
        XCTAssertEqual(try root.attribute("double_scalar"), .doubles([2.5]))
        XCTAssertEqual(try root.attribute("float_array"), .doubles([0.5, -1.25]))
    }

    func testSplitAttributesAreConcatenatedInOrder() throws {
        let split = try H5File.open(fixture("attributes.h5")).root.group("split")
        XCTAssertFalse(try split.hasAttribute("layer_names"))
        XCTAssertEqual(try split.stringArray(named: "layer_names"), ["a", "b", "c", "d", "e"])
    }

    func testKeras3LegacyH5File() throws {
        let path = try fixture("keras3_tiny.h5")
        let root = try H5File.open(path).root
        XCTAssertEqual(try root.attribute("keras_version"), .string("3.15.1"))
        XCTAssertEqual(try root.attribute("backend"), .string("tensorflow"))
        guard case .string(let config) = try root.attribute("model_config") else { return XCTFail("model_config") }
        XCTAssertTrue(config.hasPrefix("{\"class_name\": \"Sequential\""))
        let weights = try root.group("model_weights")
        XCTAssertEqual(try weights.stringArray(named: "layer_names"), ["conv", "flat", "dense"])
        XCTAssertEqual(try weights.group("flat").stringArray(named: "weight_names"), [])
        let conv = try weights.group("conv")
        let names = try conv.stringArray(named: "weight_names")
        XCTAssertEqual(names, ["sequential/conv/kernel", "sequential/conv/bias"])
        let kernel = try conv.dataset(names[0])
        XCTAssertEqual(kernel.shape, [3, 3, 1, 2])
        XCTAssertEqual(try kernel.readFloats().count, 18)
        XCTAssertNoThrow(try kernel.checkSafeToRead())
    }

    // MARK: - Datasets written by h5py

    func testNumericDatasetsConvertToFloat() throws {
        let file = try H5File.open(fixture("numeric.h5"))
        let root = try file.root
        let expected: [Float] = [0, 1, 2, 3, 4, 5]
        let types: [(String, H5DataType)] = [
            ("int8", .int8), ("int16", .int16), ("int32", .int32), ("int64", .int64),
            ("uint8", .uint8), ("uint16", .uint16), ("uint32", .uint32), ("uint64", .uint64),
        ]
        for (name, dtype) in types {
            let dataset = try root.dataset(name)
            XCTAssertEqual(dataset.dtype, dtype, name)
            XCTAssertEqual(dataset.shape, [2, 3], name)
            XCTAssertEqual(try dataset.readFloats(), expected, name)
        }
        let half = try root.dataset("f16")
        XCTAssertEqual(half.dtype, .float16)
        XCTAssertEqual(half.elementSize, 2)
        XCTAssertEqual(try half.readFloats(), expected.map { $0 / 4 })
        XCTAssertEqual(try half.readDoubles(), expected.map { Double($0) / 4 })
        let double = try root.dataset("f64")
        XCTAssertEqual(double.dtype, .float64)
        XCTAssertEqual(try double.readFloats(), expected.map { $0 * 1.5 })
        XCTAssertEqual(try root.dataset("big_endian_f32").readFloats(), expected)
        XCTAssertEqual(try root.dataset("f32_rank0").shape, [])
        XCTAssertEqual(try root.dataset("f32_rank0").readFloats(), [3.5])
        XCTAssertEqual(try root.dataset("f32_rank1").readFloats(), [0, 1, 2, 3])
        let rank4 = try root.dataset("f32_rank4")
        XCTAssertEqual(rank4.shape, [2, 3, 2, 2])
        XCTAssertEqual(try rank4.readFloats(), (0..<24).map { Float($0) / 8 })
        XCTAssertEqual(try root.dataset("empty").readFloats(), [])
    }

    func testNonNumericDatasetsAreTypedAndRefused() throws {
        let path = try fixture("numeric.h5")
        let root = try H5File.open(path).root
        let strings = try root.dataset("vlen_strings")
        XCTAssertEqual(strings.dtype, .string)
        assertH5Error(mentioning: path, "not numeric") { try strings.readFloats() }
        let compound = try root.dataset("compound")
        XCTAssertEqual(compound.dtype, .other("compound"))
        XCTAssertFalse(compound.dtype.isNumeric)
        assertH5Error(mentioning: "/compound", "not numeric") { try compound.readDoubles() }
    }

    func testRowReadsAndStreamingOverChunkedData() throws {
        let path = try fixture("numeric.h5")
        let rows = try H5File.open(path).root.dataset("rows")
        XCTAssertEqual(rows.shape, [10, 4])
        XCTAssertEqual(rows.rowCount, 10)
        XCTAssertEqual(rows.rowLength, 4)
        XCTAssertEqual(rows.filters.map(\.id), [2, 1, 3])  // shuffle, deflate, fletcher32 as h5py orders them
        XCTAssertFalse(rows.hasNonstandardFilters)
        XCTAssertNoThrow(try rows.checkSafeToRead())
        XCTAssertEqual(try rows.readRows(start: 3, count: 4), (12..<28).map(Float.init))
        XCTAssertEqual(try rows.readDoubleRows(start: 9, count: 1), [36, 37, 38, 39])
        XCTAssertEqual(try rows.readRows(start: 10, count: 0), [])
        var sum: Float = 0
        var starts: [Int] = []
        try rows.forEachRowBlock(rowsPerBlock: 3) { first, values in
            starts.append(first)
            sum += values.reduce(0, +)
        }
        XCTAssertEqual(starts, [0, 3, 6, 9])
        XCTAssertEqual(sum, Float((0..<40).reduce(0, +)))
        assertH5Error(mentioning: path, "outside 0..<10") { try rows.readRows(start: 8, count: 3) }
        assertH5Error(mentioning: path, "outside") { try rows.readRows(start: -1, count: 1) }
        let scalar = try H5File.open(path).root.dataset("f32_rank0")
        assertH5Error(mentioning: path, "no rows") { try scalar.readRows(start: 0, count: 1) }
    }

    func testByteLimitIsCheckedBeforeReading() throws {
        let path = try fixture("numeric.h5")
        let rows = try H5File.open(path).root.dataset("rows")
        XCTAssertEqual(rows.declaredByteCount, 160)
        assertH5Error(mentioning: path, "limit") { try rows.readFloats(byteLimit: 159) }
        assertH5Error(mentioning: path, "limit") { try rows.readDoubles(byteLimit: 200) }
        XCTAssertEqual(try rows.readFloats(byteLimit: 160).count, 40)
        XCTAssertEqual(try rows.readRows(start: 0, count: 2, byteLimit: 32).count, 8)
    }

    func testUserDefinedFiltersAndExternalStorageAreFlagged() throws {
        let path = try fixture("numeric.h5")
        let root = try H5File.open(path).root
        let custom = try root.dataset("custom_filter")
        XCTAssertEqual(custom.filters.map(\.id), [32001])
        XCTAssertTrue(custom.filters[0].isOptional)
        XCTAssertTrue(custom.hasNonstandardFilters)
        assertH5Error(mentioning: path, "user-defined filter 32001") { try custom.checkSafeToRead() }
        let external = try root.dataset("external")
        XCTAssertTrue(external.hasExternalStorage)
        assertH5Error(mentioning: "/external", "external files") { try external.checkSafeToRead() }
        XCTAssertFalse(try root.dataset("f64").hasExternalStorage)
    }

    // MARK: - Links

    func testSoftAndExternalLinksAreReportedNotFollowed() throws {
        let path = try fixture("links.h5")
        let root = try H5File.open(path).root
        let g = try root.group("g")
        XCTAssertEqual(try g.children(), [
            H5Link(name: "dangling", kind: .softLink, target: "/nowhere"),
            H5Link(name: "data", kind: .dataset),
            H5Link(name: "ext", kind: .externalLink, target: "/f32_rank1", targetFile: "numeric.h5"),
            H5Link(name: "soft", kind: .softLink, target: "/g/data"),
            H5Link(name: "sub", kind: .group),
        ])
        XCTAssertEqual(try root.dataset("g/data").readFloats(), [0, 1, 2])
        assertH5Error(mentioning: path, "soft link to '/g/data'") { try root.dataset("g/soft") }
        assertH5Error(mentioning: "/g/dangling", "soft link") { try g.dataset("dangling") }
        assertH5Error(mentioning: "/g/ext", "external link to 'numeric.h5'") { try g.dataset("ext") }
        assertH5Error(mentioning: "/g/soft", "not followed") { try root.group("g/soft/deeper") }
        assertH5Error(mentioning: "/g/data", "not a group") { try root.group("g/data") }
        assertH5Error(mentioning: "/g/missing: no such link") { try root.dataset("g/missing") }
        XCTAssertTrue(try root.hasChild("g/dangling"))
        XCTAssertTrue(try root.hasChild("/g/ext"))
        XCTAssertFalse(try root.hasChild("g/nothing"))
        XCTAssertFalse(try root.hasChild("g/soft/anything"))
        XCTAssertFalse(try root.hasChild("nowhere/at/all"))
    }

    func testWalkReportsLinksAndStopsAtHardLinkCycles() throws {
        let root = try H5File.open(fixture("links.h5")).root
        var entries: [H5WalkEntry] = []
        try root.walk { entries.append($0) }
        let summary = entries.map { "\($0.depth) \($0.path) \($0.link.kind)\($0.isRevisit ? " revisit" : "")" }
        // "also_g" and "g" are two hard links to one group; "g/sub/back" links back to it: a cycle.
        XCTAssertEqual(summary, [
            "1 /also_g group",
            "2 /also_g/dangling softLink",
            "2 /also_g/data dataset",
            "2 /also_g/ext externalLink",
            "2 /also_g/soft softLink",
            "2 /also_g/sub group",
            "3 /also_g/sub/back group revisit",
            "1 /g group revisit",
        ])
        XCTAssertThrowsError(try root.walk(maxDepth: 2) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("deeper than 2"), "\(error)")
        }
    }

    // MARK: - Resources and bad input

    func testNoIdentifiersLeakAfterUse() throws {
        XCTAssertEqual(try H5File.openObjectCountInAllFiles(), 0)
        do {
            let file = try H5File.open(fixture("keras3_tiny.h5"))
            let root = try file.root
            let kernel = try root.dataset("model_weights/conv/sequential/conv/kernel")
            XCTAssertEqual(try file.openObjectCount(), 3)  // the file, the root group, the dataset
            _ = try kernel.readFloats()
            _ = try root.attribute("model_config")
            try root.walk { _ in }
            _ = try? root.dataset("model_weights/missing")
            _ = try root.group("model_weights").stringArray(named: "layer_names")
            file.close()
            XCTAssertEqual(try H5File.openObjectCountInAllFiles(), 2)  // root and kernel keep HDF5's file open
        }
        do {
            let root = try H5File.create(scratchPath("leak.h5")).root
            try root.createDataset(name: "a/b", shape: [2], floats: [1, 2]).setAttribute("x", .strings(["y"]))
            try root.setStringArrayAttribute("names", (0..<5000).map { "name\($0)" })
        }
        for name in ["empty.h5", "text.h5"] {
            _ = FileManager.default.createFile(atPath: scratchPath(name), contents: Data((name == "text.h5" ? "hi" : "").utf8))
            XCTAssertThrowsError(try H5File.open(scratchPath(name)))
        }
        XCTAssertEqual(try H5File.openObjectCountInAllFiles(), 0)
    }

    func testBadInputsThrowErrorsNamingThePath() throws {
        let empty = scratchPath("empty.h5")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        assertH5Error(mentioning: empty, "not an HDF5 file") { try H5File.open(empty) }

        let text = scratchPath("notes.txt")
        try "layer_names = conv, dense\n".write(toFile: text, atomically: true, encoding: .utf8)
        assertH5Error(mentioning: text, "not an HDF5 file") { try H5File.open(text) }

        let truncated = scratchPath("truncated.h5")
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture("keras3_tiny.h5")))
        try original.prefix(original.count / 2).write(to: URL(fileURLWithPath: truncated))
        assertH5Error(mentioning: truncated, "cannot open HDF5 file") { try H5File.open(truncated) }

        let directory = scratchPath("folder.h5")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        assertH5Error(mentioning: directory, "is a directory") { try H5File.open(directory) }

        let missing = scratchPath("missing.h5")
        assertH5Error(mentioning: missing, "no such file") { try H5File.open(missing) }

        assertH5Error(mentioning: directory, "cannot create") { try H5File.create(directory) }
    }

    func testMisuseThrowsInsteadOfCrashing() throws {
        let path = try fixture("attributes.h5")
        let root = try H5File.open(path).root
        assertH5Error(mentioning: path, "cannot create") { try root.createGroup("new") }
        assertH5Error(mentioning: path, "cannot create attribute") { try root.setAttribute("new", .ints([1])) }
        let written = scratchPath("shape.h5")
        let out = try H5File.create(written).root
        assertH5Error(mentioning: written, "does not hold 3 values") {
            try out.createDataset(name: "bad", shape: [2, 2], floats: [1, 2, 3])
        }
        assertH5Error(mentioning: written, "negative") { try out.createDataset(name: "neg", shape: [-1], floats: []) }
        assertH5Error(mentioning: written, "NUL") { try out.setAttribute("nul", .string("a\u{0}b")) }
        try out.createDataset(name: "d", shape: [1], floats: [1])
        assertH5Error(mentioning: written, "cannot create dataset") {
            try out.createDataset(name: "d", shape: [1], floats: [1])
        }
        assertH5Error(mentioning: written, "not a dataset") { try out.dataset("") }
    }

    func testConcurrentUseIsSerialisedByTheWrapper() throws {
        // Debian's libhdf5 is not thread-safe; the wrapper's lock must make parallel readers safe.
        let path = try fixture("numeric.h5")
        let sums = UnsafeMutableBufferPointer<Float>.allocate(capacity: 8)
        defer { sums.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            let total = (try? H5File.open(path).root.dataset("rows").readFloats().reduce(0, +)) ?? -1
            _ = try? H5File.open(path).root.dataset("missing")
            sums[index] = total
        }
        XCTAssertEqual(Array(sums), Array(repeating: 780, count: 8))
        XCTAssertEqual(try H5File.openObjectCountInAllFiles(), 0)
    }

    func testErrorDescriptionIsOneLineWithFileAndObject() {
        let error = H5Error(filePath: "/tmp/m.h5", objectPath: "/g/d", message: "cannot read", detail: "addr\noverflow")
        XCTAssertEqual(error.description, "/tmp/m.h5: /g/d: cannot read (HDF5: addr overflow)")
    }
}
