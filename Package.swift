// swift-tools-version:6.0
import PackageDescription

// Targets point down this list; see docs/architecture.md for the picture.
let package = Package(
    name: "ConvScope",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "convscope", targets: ["convscope"]),
        .library(name: "Commands", targets: ["Commands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5-serial"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CVLFeat", path: "Sources/CVLFeat"),

        // The process-wide memory limit every reader checks declared sizes against (--max-memory).
        // The one error protocol: a one-line message and the exit code the CLI ends with.
        .target(name: "Failure"),
        .target(name: "MemoryLimit", dependencies: ["Failure"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "MemoryLimit", "Failure"]),
        .target(name: "Tensor", dependencies: ["COpenBLAS"]),
        .target(name: "Graph", dependencies: ["Tensor", "MemoryLimit", "Failure"]),
        // libpng/libjpeg error handling (setjmp/longjmp) must stay in C.
        .target(
            name: "CImageSupport",
            dependencies: ["CPNG", "CJPEG"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "Imaging", dependencies: ["Tensor", "CImageSupport", "MemoryLimit", "Failure"]),
        .target(name: "KerasIO", dependencies: ["HDF5", "Graph", "Imaging", "MemoryLimit", "Failure", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Zoo", dependencies: ["Graph", "Failure"]),
        .target(name: "Visualize", dependencies: ["Graph", "Imaging"]),
        .target(name: "Training", dependencies: ["Graph", "Imaging", "Failure"]),
        .target(name: "Matching", dependencies: ["Imaging", "CVLFeat"]),
        .target(name: "Report", dependencies: ["Imaging"]),
        .target(
            name: "Commands",
            dependencies: ["Failure", "MemoryLimit", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching", "Report"],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "convscope",
            dependencies: ["Commands", "Failure", "MemoryLimit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "ConvScopeTests",
            dependencies: ["Commands", "MemoryLimit", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching"],
            resources: [.copy("Resources")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
