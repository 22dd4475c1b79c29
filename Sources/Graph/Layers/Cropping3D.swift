/// Keras `Cropping3D`: `cropping` as an int, three ints, or ((front, back), (top, bottom), (left, right));
/// `Cropping2D` over each depth slice, then along depth.
public typealias Cropping3D = StagedVolume<VolumeCropping>

public enum VolumeCropping: VolumeStages {
    public static let kerasClassNames = ["Cropping3D"]
    public static let kerasConfigKeys: Set<String> = ["cropping", "data_format"]
    public static let role = LayerRole.other

    public static func stages(_ c: LayerConfig) throws -> (className: String, plane: JSON, depth: JSON) {
        let p = try volumeAmounts(c, key: "cropping", default: 1)
        return ("Cropping2D", ["cropping": [jsonInts(p[1]), jsonInts(p[2])]], ["cropping": [jsonInts(p[0]), [0, 0]]])
    }
}
