/// The Keras facts of a class name, asked of its layer type (`LayerRegistry.kind(named:)`), and for
/// classes ConvScope lists but does not run, of `UnrunnableKinds`. Readers and writers above `Graph`
/// ask here instead of testing class names.
extension LayerRegistry {
    /// Keys any layer may carry: identity, dtype policy, and the input-shape keys of a first layer.
    public static let commonConfigKeys: Set<String> = [
        "name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim", "input_dtype",
    ]

    /// Keys of `config` that Keras does not write for `className` (a typo, a setting from a newer Keras,
    /// something planted), sorted; empty for classes ConvScope does not run.
    public static func unknownConfigKeys(in config: JSON, className: String) -> [String] {
        guard let known = kind(named: className)?.kerasConfigKeys, let keys = config.objectValue?.keys else { return [] }
        return keys.filter { !commonConfigKeys.contains($0) && !known.contains($0) }.sorted()
    }

    /// The role of a class name's kind.
    public static func role(ofClass className: String) -> LayerRole {
        kind(named: className)?.role ?? UnrunnableKinds.role(ofClass: className)
    }

    /// Names of the `count` variables a Keras 3 file stores by index for a layer of `className`;
    /// when the kind's names do not match the count: `kernel`, `bias` for two, else `var0`, `var1`, ….
    public static func keras3VariableNames(className: String, config: JSON, count: Int) -> [String] {
        let names = kind(named: className)?.keras3VariableNames(config: config)
            ?? UnrunnableKinds.keras3VariableNames(className: className, config: config)
        if names.count == count { return names }
        return (0..<count).map { count == 2 ? ["kernel", "bias"][$0] : "var\($0)" }
    }

    /// The name the generation `naming` stores variable `name` of a `className` layer under.
    public static func kerasVariableName(_ name: String, className: String, naming: KerasVariableNaming) -> String {
        if let kind = kind(named: className) { return kind.kerasVariableName(name, naming: naming) }
        return UnrunnableKinds.kerasVariableName(name, className: className, naming: naming)
    }

    /// A tf-keras / Keras 2 layer config of `className` as Keras 3 accepts it.
    public static func keras3Config(fromLegacy config: JSONObject, className: String) -> JSONObject {
        if let kind = kind(named: className) { return kind.keras3Config(fromLegacy: config) }
        return UnrunnableKinds.keras3Config(fromLegacy: config, className: className)
    }

    /// Whether a layer of `className` keeps its input's shape, for kinds ConvScope does not run.
    public static func preservesShape(_ className: String) -> Bool { UnrunnableKinds.shapePreserving.contains(className) }

    /// The cell a recurrent layer of `className` stores its variables under (`lstm_cell`), if any.
    public static func recurrentCellName(_ className: String) -> String? { kind(named: className)?.kerasCellName }

    /// Where a Keras 3 file stores the `count` variables of a `className` layer with `config`, in order.
    public static func keras3VariableGroups(className: String, config: JSON, count: Int) -> [Keras3VariableGroup] {
        kind(named: className)?.keras3VariableGroups(config: config, count: count) ?? [Keras3VariableGroup(path: [], count: count)]
    }
}
