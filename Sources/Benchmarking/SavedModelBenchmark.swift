import Foundation

/// `convscope bench savedmodel`: a tf.keras SavedModel directory (VGG16) opened and run on one image as a
/// whole process, against `tf_keras.models.load_model(dir)` + `predict`; and `convscope inspect` of the same
/// directory against `tf.train.list_variables`, each as fresh processes in the same run.
public enum SavedModelBenchmark {
    public static func compare(directory: String, image: String, repeats: Int, skipReference: Bool) throws {
        print(MachineHeader.line)
        let predict = try ChildProcess.medianSeconds(of: ["predict", directory, image], repeats: repeats)
        let tfPredict = try TFReference.seconds("process_median_s", skip: skipReference,
                                                ["savedmodel-process", "--dir", directory, "--image", image, "--repeats", "\(repeats)"])
        report("SavedModel: load + predict one image, process", convscope: predict, tf: tfPredict)
        let inspect = try ChildProcess.medianSeconds(of: ["inspect", directory, "--json"], repeats: repeats)
        let tfList = try TFReference.seconds("process_median_s", skip: skipReference,
                                             ["list-variables-process", "--dir", directory, "--repeats", "\(repeats)"])
        report("SavedModel: inspect vs tf.train.list_variables", convscope: inspect, tf: tfList)
    }
}
