/// Keras `MaxPooling3D` (`MaxPool3D`): `MaxPooling2D` over each depth slice, then along depth; backward
/// routes to both stages' recorded switches (DeconvNet unpooling included).
public typealias MaxPooling3D = StagedVolume<WindowMaximum>

extension WindowMaximum: VolumeStages {
    public static var kerasClassNames: [String] { Spatial3D.classNames(kerasClassStems) }
}
