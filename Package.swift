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
        .target(name: "MemoryLimit"),
        .target(name: "HDF5", dependencies: ["CHDF5", "MemoryLimit"]),
        .target(name: "Tensor", dependencies: ["COpenBLAS"]),
        // Measures shared by commands: weight change, mean / standard deviation / median.
        .target(name: "Measures", dependencies: ["Tensor"]),
        .target(name: "Graph", dependencies: ["Tensor", "MemoryLimit"]),
        // libpng/libjpeg error handling (setjmp/longjmp) must stay in C.
        .target(
            name: "CImageSupport",
            dependencies: ["CPNG", "CJPEG"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "Imaging", dependencies: ["Tensor", "CImageSupport", "MemoryLimit"]),
        .target(name: "KerasIO", dependencies: ["HDF5", "Graph", "Imaging", "MemoryLimit", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Zoo", dependencies: ["Graph"]),
        .target(name: "Visualize", dependencies: ["Graph", "Imaging"]),
        .target(name: "Training", dependencies: ["Graph", "Imaging"]),
        .target(name: "Matching", dependencies: ["Imaging", "CVLFeat", "Measures"]),
        .target(name: "Report", dependencies: ["Imaging"]),
        // The paper's retraining study (Sect. 3.3): rounds, results schema, figures, report.
        .target(name: "Study", dependencies: ["Tensor", "Graph", "Imaging", "Training", "Visualize", "Matching", "Measures", "Report"]),
        .target(
            name: "Commands",
            dependencies: ["MemoryLimit", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching", "Report", "Measures", "Study"],
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "convscope",
            dependencies: ["Commands", "MemoryLimit", "Study", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "ConvScopeTests",
            dependencies: ["Commands", "MemoryLimit", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching", "Study"],
            resources: [.copy("Resources")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
