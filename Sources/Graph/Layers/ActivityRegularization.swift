/// Keras `ActivityRegularization`: the identity on its input in both modes. Its l1/l2 penalty is a
/// separate term Keras adds to the training loss; it is not part of the layer's output, so the
/// gradient of any objective on the output passes through unchanged.
public final class ActivityRegularization: Identity {
    public override class var kerasClassNames: [String] { ["ActivityRegularization"] }
    public override class var kerasConfigKeys: Set<String> { ["l1", "l2"] }
}
