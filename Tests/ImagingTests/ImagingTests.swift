import Foundation
import Imaging
import Tensor
import TestSupport
import XCTest

/// Imaging tests. Reference files come from Resources/imaging/make.py (PIL 13, Keras 3.15).
final class ImagingTests: XCTestCase {
    static let resources: URL = Repository.resource("imaging")

    func resource(_ name: String) -> String { Self.resources.appendingPathComponent(name).path }

    /// A reference array (any dtype NPY reads) as floats.
    func reference(_ name: String) throws -> Tensor { try NPY.read(resource(name)) }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("imaging-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    func assertImage(_ image: Image, equals ref: Tensor, tolerance: Float = 0, _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        let channels = ref.shape.count == 3 ? ref.shape[2] : 1
        XCTAssertEqual([image.height, image.width, image.channels], [ref.shape[0], ref.shape[1], channels], label, file: file, line: line)
        guard image.pixels.count == ref.data.count else { return }
        XCTAssertLessThanOrEqual(maxDifference(image.pixels, ref.data), tolerance, label, file: file, line: line)
    }

    func assertFails(_ kind: ImagingError.Kind, mentioning words: [String], _ body: () throws -> Void,
                     file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("expected a \(kind) error", file: file, line: line)
        } catch let error as ImagingError {
            XCTAssertEqual(error.kind, kind, "\(error)", file: file, line: line)
            let text = error.description
            XCTAssertFalse(text.contains("\n"), "error should be one line: \(text)", file: file, line: line)
            for w in words { XCTAssertTrue(text.contains(w), "'\(text)' should mention '\(w)'", file: file, line: line) }
        } catch {
            XCTFail("unexpected error type: \(error)", file: file, line: line)
        }
    }

    func pattern(width: Int, height: Int, channels: Int) -> Image {
        var rng = SystemRandomNumberGenerator()
        return Image(width: width, height: height, channels: channels,
                     bytes: (0..<(width * height * channels)).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    // MARK: PNG

    func testPNGRoundTripEachColourType() throws {
        for channels in [1, 3, 4] {
            let image = pattern(width: 13, height: 7, channels: channels)
            let decoded = try PNGCodec.decode(PNGCodec.encode(image))
            XCTAssertEqual(decoded, image, "\(channels) channels")
        }
    }

    func testPNGDecodingMatchesPIL() throws {
        let expected: [String: Int] = ["rgb.png": 3, "rgba.png": 4, "grey.png": 1, "grey_alpha.png": 4, "bilevel.png": 1,
                                       "palette.png": 3, "palette_alpha.png": 4, "rgb16.png": 3, "grey16.png": 1,
                                       "interlaced.png": 3]
        for (name, channels) in expected {
            let image = try ImageFile.load(resource(name))
            XCTAssertEqual(image.channels, channels, name)
            // PNG decoding is lossless and deterministic: exact equality with PIL.
            assertImage(image, equals: try reference(name + ".npy"), name)
        }
    }

    func testBrokenFilesAreOneLineErrorsNamingTheFile() {
        assertFails(.corrupt, mentioning: ["truncated.png", "truncated"]) { _ = try ImageFile.load(resource("truncated.png")) }
        assertFails(.corrupt, mentioning: ["truncated.jpg"]) { _ = try ImageFile.load(resource("truncated.jpg")) }
        assertFails(.corrupt, mentioning: ["corrupt.png"]) { _ = try ImageFile.load(resource("corrupt.png")) }
        assertFails(.corrupt, mentioning: ["empty.png", "empty"]) { _ = try ImageFile.load(resource("empty.png")) }
        assertFails(.unsupported, mentioning: ["not_an_image.png"]) { _ = try ImageFile.load(resource("not_an_image.png")) }
        assertFails(.io, mentioning: ["missing.png"]) { _ = try ImageFile.load(resource("missing.png")) }
        assertFails(.corrupt, mentioning: []) { _ = try JPEGCodec.decode(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0])) }
        assertFails(.corrupt, mentioning: []) { _ = try PNGCodec.decode(Data([0x89, 0x50, 0x4E, 0x47])) }
    }

    func testDecompressionBombsAreRefusedBeforeAllocating() throws {
        // IHDR declares 100000 x 100000 RGB (30 GB): refused from the header alone.
        assertFails(.tooLarge, mentioning: ["huge.png", "100000x100000"]) { _ = try ImageFile.load(resource("huge.png")) }
        // The byte limit applies to ordinary files too (23 x 17 x 3 = 1173 samples, 5 bytes each while decoding).
        assertFails(.tooLarge, mentioning: ["rgb.png", "5865 bytes", "limit"]) { _ = try ImageFile.load(resource("rgb.png"), byteLimit: 5864) }
        assertFails(.tooLarge, mentioning: ["baseline.jpg", "5865 bytes", "limit"]) { _ = try ImageFile.load(resource("baseline.jpg"), byteLimit: 5864) }
        XCTAssertNoThrow(try ImageFile.load(resource("rgb.png"), byteLimit: 5865))
    }

    // MARK: JPEG

    func testJPEGDecodingMatchesPIL() throws {
        // Same libjpeg-turbo algorithms (ISLOW IDCT, fancy upsampling) as PIL's bundled copy,
        // so the pixels agree exactly in practice; allow ±1 in case a different libjpeg-turbo
        // build (SIMD vs C IDCT/upsampling paths) rounds differently.
        for name in ["baseline.jpg", "progressive.jpg", "grey.jpg"] {
            assertImage(try ImageFile.load(resource(name)), equals: try reference(name + ".npy"), tolerance: 1, name)
        }
    }

    func testCMYKJPEGIsRefusedClearly() {
        assertFails(.unsupported, mentioning: ["cmyk.jpg", "CMYK"]) { _ = try ImageFile.load(resource("cmyk.jpg")) }
    }

    func testJPEGRoundTrip() throws {
        // A smooth image: JPEG (4:2:0 chroma) is near-lossless on it at high quality.
        var smooth = Image(width: 48, height: 32, channels: 3)
        for y in 0..<32 {
            for x in 0..<48 {
                smooth[y, x, 0] = Float(x * 5); smooth[y, x, 1] = Float(y * 7); smooth[y, x, 2] = Float(128 + x - y)
            }
        }
        let decoded = try JPEGCodec.decode(JPEGCodec.encode(smooth, quality: 95))
        XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [48, 32, 3])
        let meanError = zip(decoded.pixels, smooth.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(smooth.pixels.count)
        XCTAssertLessThan(meanError, 2)
        let grey = try JPEGCodec.decode(JPEGCodec.encode(smooth.toGrey(), quality: 90))
        XCTAssertEqual(grey.channels, 1)
        assertFails(.invalidArgument, mentioning: ["4-channel"]) { _ = try JPEGCodec.encode(smooth.toRGBA()) }
    }

    // MARK: Files

    func testLoadChoosesCodecByMagicBytes() throws {
        let folder = try temporaryFolder()
        let disguised = folder.appendingPathComponent("actually-a-jpeg.png")
        try FileManager.default.copyItem(atPath: resource("baseline.jpg"), toPath: disguised.path)
        XCTAssertEqual(try ImageFile.load(disguised.path), try ImageFile.load(resource("baseline.jpg")))
    }

    func testSaveByExtensionAtomically() throws {
        let folder = try temporaryFolder()
        let image = try ImageFile.load(resource("rgba.png"))
        let png = folder.appendingPathComponent("out.png").path
        try ImageFile.save(image, to: png)
        XCTAssertEqual(try ImageFile.load(png), image)
        try ImageFile.save(image.toGrey(), to: png)  // overwrite in place
        XCTAssertEqual(try ImageFile.load(png).channels, 1)
        let jpg = folder.appendingPathComponent("out.JPG").path
        try ImageFile.save(image, to: jpg)  // alpha dropped for JPEG
        XCTAssertEqual(ImageFile.format(ofContents: try Data(contentsOf: URL(fileURLWithPath: jpg))), .jpeg)
        XCTAssertEqual(try ImageFile.load(jpg).channels, 3)
        assertFails(.invalidArgument, mentioning: ["out.bmp"]) { try ImageFile.save(image, to: folder.appendingPathComponent("out.bmp").path) }
        assertFails(.io, mentioning: ["nowhere"]) { try ImageFile.save(image, to: folder.appendingPathComponent("nowhere/x.png").path) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    // MARK: Resize and colour

    func testResizeMatchesPIL() throws {
        let rgb = try ImageFile.load(resource("rgb.png"))
        let rgba = try ImageFile.load(resource("rgba.png"))
        let sizes = [(40, 31), (9, 7), (30, 8)]
        // Bit-exact: same window, fixed-point weights and per-pass rounding as PIL.
        for f in Interpolation.allCases {
            for (w, h) in sizes {
                assertImage(rgb.resized(width: w, height: h, interpolation: f),
                            equals: try reference("resize_rgb_\(f.rawValue)_\(w)x\(h).npy"), "rgb \(f) \(w)x\(h)")
            }
        }
        for f in [Interpolation.nearest, .bilinear] {
            for (w, h) in sizes.prefix(2) {
                assertImage(rgba.resized(width: w, height: h, interpolation: f),
                            equals: try reference("resize_rgba_\(f.rawValue)_\(w)x\(h).npy"), "rgba \(f) \(w)x\(h)")
            }
        }
        assertImage(rgb.toGrey().resized(width: 9, height: 7, interpolation: .bilinear),
                    equals: try reference("resize_grey_bilinear_9x7.npy"), "grey bilinear")
    }

    func testLoadImgMatchesKeras() throws {
        assertImage(try KerasImageLoading.load(resource("rgba.png"), targetSize: (20, 12), interpolation: .bilinear),
                    equals: try reference("load_img_rgba_bilinear_12x20.npy"), "rgba → rgb bilinear")
        assertImage(try KerasImageLoading.load(resource("rgb.png"), targetSize: (10, 10), keepAspectRatio: true),
                    equals: try reference("load_img_rgb_nearest_aspect_10x10.npy"), "nearest keep aspect")
        assertImage(try KerasImageLoading.load(resource("palette_alpha.png"), targetSize: (13, 9), interpolation: .bilinear,
                                               keepAspectRatio: true),
                    equals: try reference("load_img_palette_bilinear_aspect_9x13.npy"), "palette bilinear keep aspect")
    }

    func testColourConversions() throws {
        let rgb = try ImageFile.load(resource("rgb.png"))
        assertImage(rgb.toGrey(), equals: try reference("convert_rgb_to_l.npy"), "RGB → L")
        let rgba = try ImageFile.load(resource("rgba.png"))
        XCTAssertEqual(rgba.toRGB(), rgb)  // alpha dropped, colour untouched
        let grey = Image(width: 2, height: 1, channels: 1, pixels: [10, 200])
        XCTAssertEqual(grey.toRGB().pixels, [10, 10, 10, 200, 200, 200])
        XCTAssertEqual(grey.toRGBA().pixels, [10, 10, 10, 255, 200, 200, 200, 255])
    }

    // MARK: Preprocessing

    func testPreprocessingMatchesKeras() throws {
        let rgb = try ImageFile.load(resource("rgb.png"))
        for mode in [Preprocessing.caffe, .tf, .torch] {
            let ours = mode.tensor(from: [rgb])
            let keras = try reference("preprocess_\(mode.rawValue).npy")
            XCTAssertEqual(ours.shape, [1, 17, 23, 3])
            XCTAssertEqual(ours.shape, keras.shape)
            // float32 operations in Keras' order: bit-identical.
            XCTAssertEqual(maxDifference(ours.data, keras.data), 0, "\(mode)")
            let back = mode.image(from: ours)
            XCTAssertLessThan(maxDifference(back.pixels, rgb.pixels), 1e-3, "inverse \(mode)")
        }
        let batch = Preprocessing.scale.tensor(from: [rgb, rgb.toGrey().toRGB()])
        XCTAssertEqual(batch.shape, [2, 17, 23, 3])
        XCTAssertEqual(batch.data[0], rgb.pixels[0] / 255)
        XCTAssertEqual(Preprocessing.none.tensor(from: [rgb]).data, rgb.pixels)
        XCTAssertEqual(Preprocessing.scale.image(from: batch, index: 1), rgb.toGrey().toRGB())
    }

    // MARK: NPY

    func testNPYReadsNumPyDtypesAndVersions() throws {
        let values = (0..<24).map { (Float($0) - 7) * 0.5 }
        for dtype in ["f4", "f8", "f2", "v2", "v3"] {
            let t = try NPY.read(resource("npy_\(dtype).npy"))
            XCTAssertEqual(t.shape, [2, 3, 4], dtype)
            XCTAssertEqual(t.data, values, dtype)
        }
        for dtype in ["i4", "i8"] {  // NumPy truncates toward zero when casting to int
            XCTAssertEqual(try NPY.read(resource("npy_\(dtype).npy")).data, values.map { $0.rounded(.towardZero) }, dtype)
        }
        XCTAssertEqual(try NPY.read(resource("npy_u1.npy")).data, values.map { abs($0) * 2 })
        let scalar = try NPY.read(resource("npy_scalar.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.data, [2.5])
        assertFails(.unsupported, mentioning: ["npy_fortran.npy", "Fortran"]) { _ = try NPY.read(resource("npy_fortran.npy")) }
        assertFails(.unsupported, mentioning: ["npy_bigendian.npy", "big-endian"]) { _ = try NPY.read(resource("npy_bigendian.npy")) }
    }

    func testNPYRoundTrip() throws {
        let folder = try temporaryFolder()
        let t = Tensor(shape: [2, 1, 3], data: [1.5, -2, 3e-8, .infinity, 0, 65504])
        for type in [NPY.WriteType.float32, .float64] {
            let path = folder.appendingPathComponent("t-\(type).npy").path
            try NPY.write(t, to: path, as: type)
            XCTAssertEqual(try NPY.read(path), t)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8), Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]))
        }
        // The header is padded so the data starts at a multiple of 64 bytes.
        XCTAssertEqual((NPY.encode(t).count - t.count * 4) % 64, 0)
        XCTAssertEqual(try NPY.decode(NPY.encode(Tensor(shape: [4], data: [1, 2, 3, 4]))).shape, [4])
    }

    func npy(header: String, payload: Int = 0, version: UInt8 = 1) -> Data {
        var out = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0])
        let h = Array(header.utf8)
        out.append(contentsOf: version == 1 ? [UInt8(h.count & 0xFF), UInt8(h.count >> 8)]
                                            : [UInt8(h.count & 0xFF), UInt8(h.count >> 8), 0, 0])
        out.append(contentsOf: h)
        out.append(Data(count: payload))
        return out
    }

    /// The integer and bool types an Embedding or mask input may come as, each with its byte order spellings.
    func testNPYReadsSmallIntegerAndBoolTypes() throws {
        func decoded(_ descr: String, _ bytes: [UInt8]) throws -> [Float] {
            var d = npy(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (3,), }\n")
            d.append(contentsOf: bytes)
            return try NPY.decode(d).data
        }
        XCTAssertEqual(try decoded("|i1", [0x05, 0xFF, 0x80]), [5, -1, -128])
        XCTAssertEqual(try decoded("<i1", [0x05, 0xFF, 0x80]), [5, -1, -128])
        XCTAssertEqual(try decoded("<i2", [0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80]), [1, -1, -32768])
        XCTAssertEqual(try decoded("<u2", [0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80]), [1, 65535, 32768])
        XCTAssertEqual(try decoded("|b1", [0, 1, 1]), [0, 1, 1])
        XCTAssertEqual(try decoded("=i2", [0x02, 0x00, 0x03, 0x00, 0x04, 0x00]), [2, 3, 4])
        assertFails(.unsupported, mentioning: ["'<c8'", "|b1"]) { _ = try decoded("<c8", Array(repeating: 0, count: 24)) }
    }

    func testNPYRefusesHostileHeaders() {
        let ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n"
        XCTAssertNoThrow(try NPY.decode(npy(header: ok, payload: 24)))
        XCTAssertNoThrow(try NPY.decode(npy(header: ok, payload: 24, version: 2)))
        assertFails(.tooLarge, mentioning: ["limit"]) {
            _ = try NPY.decode(npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"))
        }
        assertFails(.tooLarge, mentioning: ["overflow"]) {
            _ = try NPY.decode(npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999999999, 999999999999999999), }"))
        }
        assertFails(.tooLarge, mentioning: []) { _ = try NPY.decode(npy(header: ok, payload: 24), byteLimit: 23) }
        assertFails(.corrupt, mentioning: ["truncated"]) { _ = try NPY.decode(npy(header: ok, payload: 23)) }
        assertFails(.corrupt, mentioning: ["unexpected bytes"]) { _ = try NPY.decode(npy(header: ok, payload: 25)) }
        assertFails(.corrupt, mentioning: ["truncated"]) { _ = try NPY.decode(npy(header: ok).prefix(30)) }
        assertFails(.corrupt, mentioning: ["magic"]) { _ = try NPY.decode(Data("PK\u{3}\u{4}aaaaaaaaaaaa".utf8)) }
        assertFails(.unsupported, mentioning: ["version"]) { _ = try NPY.decode(npy(header: ok, payload: 24, version: 4)) }
        let bad = [
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
            "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3",
            "{'descr': '<f4",
        ]
        for header in bad {
            assertFails(.corrupt, mentioning: ["header"]) { _ = try NPY.decode(npy(header: header, payload: 24)) }
        }
        assertFails(.unsupported, mentioning: ["<c8"]) {
            _ = try NPY.decode(npy(header: "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", payload: 24))
        }
    }

    // MARK: CIFAR-10

    func testCIFAR10Batch() throws {
        var bytes = [UInt8]()
        for (label, base) in [(3, 0), (9, 100)] {
            bytes.append(UInt8(label))
            for c in 0..<3 {
                for i in 0..<1024 { bytes.append(UInt8((base + c * 50 + i) % 256)) }
            }
        }
        let folder = try temporaryFolder()
        let file = folder.appendingPathComponent("data_batch_1.bin")
        try Data(bytes).write(to: file)
        let (images, labels) = try CIFAR10.read(file.path)
        XCTAssertEqual(labels, [3, 9])
        XCTAssertEqual(images.count, 2)
        XCTAssertEqual([images[1].width, images[1].height, images[1].channels], [32, 32, 3])
        // Pixel (y=1, x=2) is plane index 34: R plane, then G (+50), then B (+100).
        XCTAssertEqual([images[1][1, 2, 0], images[1][1, 2, 1], images[1][1, 2, 2]], [134, 184, 234])
        XCTAssertEqual(CIFAR10.classNames[labels[0]], "cat")
        try Data(bytes.dropLast()).write(to: file)
        assertFails(.corrupt, mentioning: ["data_batch_1.bin", "3073"]) { _ = try CIFAR10.read(file.path) }
        bytes[3073] = 10
        XCTAssertThrowsError(try CIFAR10.decode(Data(bytes)))
        XCTAssertThrowsError(try CIFAR10.decode(Data()))
    }
}
