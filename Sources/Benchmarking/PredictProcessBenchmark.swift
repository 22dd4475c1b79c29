import Foundation

/// `convscope bench predict-process`: `convscope predict` of VGG16 on one image as a whole process
/// (decode, preprocess, load weights, forward) against a Keras script doing the same.
public enum PredictProcessBenchmark {
    public static func compare(model: String, image: String, repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let seconds = try ChildProcess.medianSeconds(of: ["predict", model, image], repeats: repeats)
        let tf = try TFReference.seconds("process_median_s", skip: skipReference,
                                         ["predict-process", "--image", image, "--weights", model, "--repeats", "\(repeats)"])
        report("predict VGG16, one image, whole process", convscope: seconds, tf: tf)
    }
}
