import Foundation
import XCTest

/// Options with a fixed set of values: `--help` lists them, any other value is a usage error (exit 2), and the
/// training options of `train` and `experiment` take their defaults from Keras' and the paper's settings.
extension CLITests {
    func testFixedValueOptionsListTheirValuesAndRefuseOthers() throws {
        let model = fixtures.appendingPathComponent("demo/digits_conv.h5").path
        let img = fixtures.appendingPathComponent("demo/digit_3.png").path
        let cases: [([String], String)] = [
            (["saliency", model, img, "--method", "nope"], "gradcam"),
            (["deconv", model, img, "--rule", "nope"], "deconvnet"),
            (["deconv", model, img, "--seed", "nope"], "ones"),
            (["maximize", model, "--class", "3", "--method", "nope"], "regularized"),
            (["maximize", model, "--class", "3", "--objective", "nope"], "probability"),
            (["predict", model, img, "--preprocess", "nope"], "caffe"),
            (["predict", model, img, "--interpolation", "nope"], "lanczos"),
            (["export", model, "--out", "x.h5", "--format", "nope"], "tfkeras-h5"),
            (["train", model, "--data", ".", "--out", "x.h5", "--optimizer", "nope"], "rmsprop"),
            (["match", img, img, "--method", "nope"], "harris"),
            (["match", img, img, "--ransac", "nope"], "homography"),
            (["bow", img, "--dir", ".", "--scheme", "nope"], "nn-visu"),
        ]
        for (args, listed) in cases {
            let r = try convscope(args)
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertEqual(r.stdout, "", args.joined(separator: " "))
            XCTAssertTrue(r.stderr.contains("'nope'") && r.stderr.contains(listed), "\(args.joined(separator: " ")): \(r.stderr)")
            let help = try convscope([args[0], "--help"])
            XCTAssertTrue(help.stdout.contains(listed), "\(args[0]) --help does not list \(listed)")
        }
        // Optimizer names in any case, as Keras reads them: parsing gets as far as the range checks.
        let upper = try convscope(["train", model, "--data", ".", "--out", "x.h5", "--optimizer", "ADAM", "--epochs=-1"])
        XCTAssertEqual(upper.status, 2)
        XCTAssertEqual(upper.stderr, "convscope: --epochs must be non-negative\n")
    }

    func testTrainingOptionDefaultsComeFromTheSettings() throws {
        let train = try convscope(["train", "--help"]).stdout
        let experiment = try convscope(["experiment", "--help"]).stdout
        XCTAssertTrue(train.contains("held out for\n                          validation. (default: 0.0)"), train)
        XCTAssertTrue(experiment.contains("held out for\n                          validation. (default: 0.3)"), experiment)
        XCTAssertTrue(experiment.contains("(default: monitor=val_loss,patience=3)"), experiment)
    }
}
