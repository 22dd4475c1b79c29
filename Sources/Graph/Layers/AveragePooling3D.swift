/// Keras `AveragePooling3D` (`AvgPool3D`): `AveragePooling2D` over each depth slice, then along depth (the
/// inside part of a window is a product of boxes, so the mean of means is TensorFlow's mean).
public typealias AveragePooling3D = StagedVolume<WindowMean>

extension WindowMean: VolumeStages {
    public static var kerasClassNames: [String] { Spatial3D.classNames(kerasClassStems) }
}
