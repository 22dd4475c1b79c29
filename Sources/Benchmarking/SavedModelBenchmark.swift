import Commands
import Foundation

/// `convscope bench savedmodel`: a tf.keras SavedModel directory (VGG16) opened and run on one image as a
/// whole process, against `tf_keras.models.load_model(dir)` + `predict`; and `convscope inspect` of the same
/// directory against `tf.train.list_variables`, each as fresh processes in the same run.
public enum SavedModelBenchmark {
    public static func compare(directory: String, image: String, repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let predict = try medianSeconds(repeats: repeats) {
            let child = try ChildProcess.run(ChildProcess.thisExecutable, ["predict", directory, image])
            guard child.status == 0 else { throw CommandError("convscope predict \(directory) failed (exit \(child.status))") }
        }
        let tfPredict = try TFReference.seconds("process_median_s", skip: skipReference,
                                                ["savedmodel-process", "--dir", directory, "--image", image, "--repeats", "\(repeats)"])
        report("SavedModel: load + predict one image, process", convscope: predict, tf: tfPredict)
        let inspect = try medianSeconds(repeats: repeats) {
            let child = try ChildProcess.run(ChildProcess.thisExecutable, ["inspect", directory, "--json"])
            guard child.status == 0 else { throw CommandError("convscope inspect \(directory) failed (exit \(child.status))") }
        }
        let tfList = try TFReference.seconds("process_median_s", skip: skipReference,
                                             ["list-variables-process", "--dir", directory, "--repeats", "\(repeats)"])
        report("SavedModel: inspect vs tf.train.list_variables", convscope: inspect, tf: tfList)
    }
}
