/// ConvScope's version: what `convscope --version` prints and what exported files record
/// (ONNX `metadata_props` `convscope_version`). The one place it is written.
public enum ConvScopeVersion {
    public static let current = "0.19.0"
}
