// swift-tools-version:6.0
import PackageDescription

// Targets point down this list; see docs/architecture.md for the picture.
let package = Package(
    name: "ConvScope",
    // Linux only (docs/architecture.md, "Platforms"): crash containment forks, the OpenBLAS kernel
    // choice re-executes /proc/self/exe, HDF5 files are refused elsewhere. No Apple
    // platform is declared because none is supported.
    products: [
        .executable(name: "convscope", targets: ["convscope"]),
        .library(name: "Commands", targets: ["Commands"]),
        // The readers the fuzz targets (Fuzz/Package.swift) call directly, one product per module so
        // each fuzz target declares exactly what it imports.
    ] + ["MemoryLimit", "Graph", "KerasIO", "Imaging", "Zoo"].map { .library(name: $0, targets: [$0]) },
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
        // Durable file writes (temp + fsync + rename) and whole-file read checks; no image codecs.
        .target(name: "FileSupport", dependencies: ["MemoryLimit"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "MemoryLimit"]),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "FileSupport"]),
        .target(name: "Graph", dependencies: ["Tensor", "MemoryLimit"]),
        // libpng/libjpeg error handling (setjmp/longjmp) must stay in C.
        .target(
            name: "CImageSupport",
            dependencies: ["CPNG", "CJPEG"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "Imaging", dependencies: ["Tensor", "CImageSupport", "FileSupport", "MemoryLimit"]),
        .target(name: "KerasIO", dependencies: ["HDF5", "Graph", "Tensor", "FileSupport", "MemoryLimit", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Zoo", dependencies: ["Graph"]),
        .target(name: "Visualize", dependencies: ["Graph", "Tensor", "Imaging"]),
        .target(name: "Training", dependencies: ["Graph", "Tensor", "Imaging", "FileSupport"]),
        .target(name: "Matching", dependencies: ["Tensor", "Imaging", "CVLFeat"]),
        .target(name: "Report", dependencies: ["Imaging", "FileSupport"]),
        .target(
            name: "Commands",
            dependencies: ["MemoryLimit", "FileSupport", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching", "Report"],
            resources: [.copy("Resources")]
        ),
        // Benchmarks against TensorFlow/Keras/OpenCV (the Python side is Benchmarks/*.py) and the one
        // subprocess helper they share. Named apart from that top-level folder of scripts.
        .target(name: "Benchmarking", dependencies: ["Commands", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching"]),
        .executableTarget(
            name: "convscope",
            dependencies: ["Commands", "Benchmarking", "MemoryLimit", "Tensor", "Graph", "Imaging", "Visualize", "Matching",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "ConvScopeTests",
            dependencies: ["Commands", "MemoryLimit", "FileSupport", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching"],
            resources: [.copy("Resources")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
