// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for ConvScope's readers of untrusted input. Build and run with ./run.sh;
// see docs/reliability.md. Every target links the main package's libraries through the
// `Commands` product (which depends on all of them) and exports LLVMFuzzerTestOneInput.
let readers = ["h5", "weights_h5", "keras", "json", "png", "jpeg", "npy", "cifar"]

let package = Package(
    name: "ConvScopeFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "ConvScope", path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "Commands", package: "ConvScope")]),
    ] + readers.map { name in
        .executableTarget(
            name: "fuzz_\(name)",
            dependencies: ["FuzzSupport", .product(name: "Commands", package: "ConvScope")],
            path: "Sources/fuzz_\(name)"
        )
    },
    swiftLanguageModes: [.v5]
)
