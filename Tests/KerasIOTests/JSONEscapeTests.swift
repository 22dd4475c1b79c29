import Foundation
import Graph
import HDF5
import XCTest

/// `\u` escapes in untrusted JSON: a malformed one is a JSON error naming the escape's byte position,
/// never a trap (a high surrogate followed by a non-surrogate used to overflow and kill the process).
final class JSONEscapeTests: XCTestCase {
    /// (text, byte offset of the offending escape's backslash, words the message must contain)
    static let malformed: [(String, Int, String)] = [
        (#"["\uD800"]"#, 2, "high surrogate \\uD800 not followed by a low surrogate"),
        (#"["\uDC00"]"#, 2, "low surrogate \\uDC00 without a high surrogate"),
        (#"["ab\uD800\u0041"]"#, 10, "followed by \\u0041, not a low surrogate"),
        (#"["\uDBFF\uDBFF"]"#, 8, "followed by \\uDBFF, not a low surrogate"),
        (#"["\uD800x"]"#, 2, "not followed by a low surrogate"),
        (#"["\u12"]"#, 2, "four hex digits needed"),
        (#"["\u12"#, 2, "text ends inside it"),
        (#"["\u00G1"]"#, 2, "four hex digits needed, found byte 0x47"),
        (#"["\u+041"]"#, 2, "four hex digits needed, found byte 0x2b"),
        (#"["\u-041"]"#, 2, "four hex digits needed"),
        (#"{"k\uD800": 1}"#, 3, "high surrogate"),
        (#"["\x"]"#, 2, "invalid escape '\\x'"),
    ]

    func testMalformedEscapesAreErrorsAtTheirPosition() {
        for (text, offset, words) in Self.malformed {
            XCTAssertThrowsError(try JSONParser().parse(text), text) { e in
                guard let e = e as? JSONParseError else { return XCTFail("\(text): \(type(of: e)): \(e)") }
                XCTAssertEqual(e.offset, offset, "\(text): \(e)")
                XCTAssertTrue(e.description.hasPrefix("invalid JSON at byte \(offset): "), "\(text): \(e)")
                XCTAssertTrue(e.description.contains(words), "\(text): \(e)")
                XCTAssertFalse(e.description.contains("\n"), "\(text): \(e)")
            }
        }
    }

    func testWellFormedEscapesDecode() throws {
        let cases: [(String, String)] = [
            (#""\u0041\u00e9\u4E2D""#, "Aé中"),
            (#""\uD83D\uDE00""#, "😀"),
            (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
            (#""\uFFFF\uE000""#, "\u{FFFF}\u{E000}"),
            (#""\u0000""#, "\u{0}"),
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser().parse(text), .string(expected), text)
        }
    }

    /// Through the CLI: a Keras .h5 whose `model_config` holds such an escape is a one-line JSON refusal
    /// with exit 2 (it used to kill the preflight's child, reported as "the HDF5 library crashed").
    func testCLIRefusesAConfigWithALoneSurrogateAsJSONError() throws {
        let tiny = RegressionTests.root.appendingPathComponent("Fixtures/formats/tiny.keras3.h5").path
        let source = try H5File.open(tiny)
        guard case .string(let config) = try source.root.attribute("model_config") else { return XCTFail("no model_config") }
        source.close()
        let name = try XCTUnwrap(config.range(of: #""name": ""#))
        let edited = config.replacingCharacters(in: name, with: #""name": "\uD800\u0041"#)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convscope-json-escape-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("lone-surrogate.h5")
        let file = try H5File.create(url.path)
        try file.root.setAttribute("model_config", .string(edited))
        try file.root.setAttribute("keras_version", .string("3.5.0"))
        try file.root.setAttribute("backend", .string("tensorflow"))
        try file.root.createGroup("model_weights").setStringArrayAttribute("layer_names", [])
        file.close()
        let line = try RegressionTests.assertCLIRefuses(url)
        XCTAssertTrue(line.contains("model_config: unreadable JSON: invalid JSON at byte"), line)
        XCTAssertTrue(line.contains("high surrogate \\uD800 followed by \\u0041"), line)
        XCTAssertFalse(line.contains("crashed"), line)
    }
}
