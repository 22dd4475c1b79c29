// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for ConvScope's readers of untrusted input. Build and run with ./run.sh;
// see docs/reliability.md. Each target declares the main package's reader modules it imports (one
// product per module), so the build passes --explicit-target-dependency-import-check; each fuzz
// target exports LLVMFuzzerTestOneInput.
let readers: [(name: String, modules: [String])] = [
    ("h5", ["KerasIO"]), ("weights_h5", ["Graph", "KerasIO", "Zoo"]), ("keras", ["KerasIO"]), ("json", ["Graph", "KerasIO"]),
    ("png", ["Imaging"]), ("jpeg", ["Imaging"]), ("npy", ["Imaging"]), ("cifar", ["Imaging"]),
    ("tfjs", ["KerasIO"]),
    ("tf_index", ["TensorBundle"]), ("tf_metadata", ["KerasIO"]),
]

func convscope(_ modules: [String]) -> [Target.Dependency] {
    modules.map { .product(name: $0, package: "ConvScope") }
}

let package = Package(
    name: "ConvScopeFuzz",
    dependencies: [.package(name: "ConvScope", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: convscope(["MemoryLimit", "KerasIO"])),
    ] + readers.map { reader in
        .executableTarget(
            name: "fuzz_\(reader.name)",
            dependencies: ["FuzzSupport"] + convscope(reader.modules),
            path: "Sources/fuzz_\(reader.name)"
        )
    },
    swiftLanguageModes: [.v5]
)
