/// Keras `UpSampling3D` by integer `size` (nearest): `UpSampling2D` over each depth slice, then along depth.
public typealias UpSampling3D = StagedVolume<VolumeUpSampling>

public enum VolumeUpSampling: VolumeStages {
    public static let kerasClassNames = ["UpSampling3D"]
    public static let kerasConfigKeys: Set<String> = ["data_format", "size"]
    public static let role = LayerRole.other

    public static func stages(_ c: LayerConfig) throws -> (className: String, plane: JSON, depth: JSON) {
        let s = try c.ints("size", count: 3, default: [2, 2, 2])
        return ("UpSampling2D", ["size": jsonInts([s[1], s[2]])], ["size": jsonInts([s[0], 1])])
    }
}
