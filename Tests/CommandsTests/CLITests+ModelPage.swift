import Foundation
import XCTest

/// `plot`, `inspect --html` and `diff --html` through the binary: options in --help, JSON against
/// Schemas/, bad input exit 2 with nothing written.
extension CLITests {
    func testPlotAndPagesThroughTheBinary() throws {
        let dir = try temporaryFolder()
        let multi = fixtures.appendingPathComponent("formats/multi.keras3.h5").path
        let help = try convscope(["plot", "--help"])
        for option in ["--out <out>", "--show-shapes", "--rankdir <rankdir>", "--expand-nested", "--arch <arch>", "--max-memory <size>"] {
            XCTAssertTrue(help.stdout.contains(option), "plot --help lacks \(option)")
        }
        XCTAssertTrue(try convscope(["inspect", "--help"]).stdout.contains("--html <html>"))
        XCTAssertTrue(try convscope(["diff", "--help"]).stdout.contains("--html <html>"))
        let svg = dir.appendingPathComponent("multi.svg").path
        let json = try assertSchema("plot", ["plot", multi, "--out", svg, "--rankdir", "lr", "--show-shapes"])
        XCTAssertEqual(json["boxes"]?.intValue, 8)
        XCTAssertTrue(FileManager.default.fileExists(atPath: svg))

        // Bad input: one line, exit 2, nothing written.
        for (args, says) in [(["plot", multi, "--out", dir.appendingPathComponent("m.gif").path], "use .svg or .png"),
                             (["plot", multi, "--out", dir.appendingPathComponent("m.svg").path, "--rankdir", "BT"], "rankdir"),
                             (["plot", dir.appendingPathComponent("absent.h5").path, "--out", dir.appendingPathComponent("m.png").path], "absent.h5"),
                             (["inspect", dir.appendingPathComponent("absent.h5").path, "--html", dir.appendingPathComponent("p.html").path], "absent.h5")] {
            let r = try convscope(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains(says), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["multi.svg"])

        let page = dir.appendingPathComponent("nested.html").path
        let r = try convscope(["inspect", fixtures.appendingPathComponent("formats/nested.keras3.keras").path, "--html", page])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasSuffix("Page: \(page)\n"), r.stdout)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.contains("data-layer=\"backbone/bb_dw\""))
        XCTAssertNil(html.range(of: #"(src|href)="(https?|file):|<script[^>]* src=|<link"#, options: .regularExpression), "nothing from outside")

        // diff --html: the JSON names the page (Schemas/diff.schema.json); identical weights exit 0.
        let diffPage = dir.appendingPathComponent("diff.html").path
        let tiny = fixtures.appendingPathComponent("formats/tiny.keras3.h5").path
        let d = try assertSchema("diff", ["diff", tiny, fixtures.appendingPathComponent("formats/tiny.keras3.keras").path, "--html", diffPage])
        XCTAssertEqual(d["html"]?.stringValue, diffPage)
        XCTAssertTrue(try String(contentsOfFile: diffPage, encoding: .utf8).contains("data-layer=\"conv2\""))
    }
}
