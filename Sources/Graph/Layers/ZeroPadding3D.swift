/// Keras `ZeroPadding3D`: `padding` as an int, three ints, or ((front, back), (top, bottom), (left, right));
/// `ZeroPadding2D` over each depth slice, then along depth.
public typealias ZeroPadding3D = StagedVolume<VolumePadding>

public enum VolumePadding: VolumeStages {
    public static let kerasClassNames = ["ZeroPadding3D"]
    public static let kerasConfigKeys: Set<String> = ["data_format", "padding"]
    public static let role = LayerRole.other

    public static func stages(_ c: LayerConfig) throws -> (className: String, plane: JSON, depth: JSON) {
        let p = try volumeAmounts(c, key: "padding", default: 1)
        return ("ZeroPadding2D", ["padding": [jsonInts(p[1]), jsonInts(p[2])]], ["padding": [jsonInts(p[0]), [0, 0]]])
    }
}
