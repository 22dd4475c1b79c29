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
        // The one error protocol: a one-line message and the exit code the CLI ends with.
        .target(name: "Failure"),
        .target(name: "MemoryLimit", dependencies: ["Failure"]),
        // Durable file writes (temp + fsync + rename) and whole-file read checks; no image codecs.
        .target(name: "FileSupport", dependencies: ["MemoryLimit", "Failure"]),
        .target(name: "HDF5", dependencies: ["CHDF5", "MemoryLimit", "Failure"]),
        .target(name: "Tensor", dependencies: ["COpenBLAS", "FileSupport"]),
        // Measures shared by commands: weight change, mean / standard deviation / median.
        .target(name: "Measures", dependencies: ["Tensor"]),
        .target(name: "Graph", dependencies: ["Tensor", "MemoryLimit", "Failure"]),
        // libpng/libjpeg error handling (setjmp/longjmp) must stay in C.
        .target(
            name: "CImageSupport",
            dependencies: ["CPNG", "CJPEG"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "Imaging", dependencies: ["Tensor", "CImageSupport", "FileSupport", "MemoryLimit", "Failure"]),
        .target(name: "KerasIO", dependencies: ["HDF5", "Graph", "Tensor", "FileSupport", "MemoryLimit", "Failure", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Zoo", dependencies: ["Graph", "Failure"]),
        .target(name: "Visualize", dependencies: ["Graph", "Tensor", "Imaging"]),
        .target(name: "Training", dependencies: ["Graph", "Tensor", "Imaging", "FileSupport", "Failure"]),
        .target(name: "Matching", dependencies: ["Tensor", "Imaging", "CVLFeat", "Measures"]),
        .target(name: "Report", dependencies: ["Imaging", "FileSupport"]),
        // The paper's retraining study (Sect. 3.3): rounds, results schema, figures, report.
        .target(name: "Study", dependencies: ["Failure", "FileSupport", "Tensor", "Graph", "Imaging", "Training", "Visualize", "Matching", "Measures", "Report"]),
        .target(
            name: "Commands",
            dependencies: ["Failure", "FileSupport", "HDF5", "Tensor", "Measures", "Graph", "Imaging", "KerasIO", "Zoo", "Visualize", "Training", "Matching", "Study"],
            resources: [.copy("Resources")]
        ),
        // Benchmarks against TensorFlow/Keras/OpenCV (the Python side is Benchmarks/*.py) and the one
        // subprocess helper they share. Named apart from that top-level folder of scripts.
        .target(name: "Benchmarking", dependencies: ["Commands", "Study", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Visualize", "Training", "Matching"]),
        .executableTarget(
            name: "convscope",
            dependencies: ["Commands", "Benchmarking", "Failure", "MemoryLimit", "Study", "Tensor", "Graph", "KerasIO", "Imaging", "Visualize", "Training", "Matching",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Tests: one test target per library target, each depending on what its files import plus TestSupport
        // (repository paths, Tests/Resources, Fixtures, shared harnesses). Test data is read in place from
        // Tests/Resources and Fixtures, not copied into bundles.
        .target(name: "TestSupport", dependencies: ["FileSupport", "Tensor", "Graph", "Imaging", "KerasIO"], path: "Tests/TestSupport"),
        .testTarget(name: "MemoryLimitTests", dependencies: ["MemoryLimit", "HDF5", "Tensor", "Imaging", "KerasIO", "TestSupport"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "GraphTests", dependencies: ["Graph", "Tensor", "Imaging", "KerasIO", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Tensor", "TestSupport"]),
        .testTarget(name: "KerasIOTests", dependencies: ["KerasIO", "HDF5", "Graph", "Tensor", "Imaging", "Zoo", "TestSupport"]),
        .testTarget(name: "ZooTests", dependencies: ["Zoo", "Graph", "Tensor", "Imaging", "KerasIO", "TestSupport"]),
        .testTarget(name: "VisualizeTests", dependencies: ["Visualize", "Graph", "Tensor", "Imaging", "KerasIO", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Graph", "Tensor", "Imaging", "TestSupport"]),
        .testTarget(name: "MatchingTests", dependencies: ["Matching", "Imaging", "Tensor", "TestSupport"]),
        .testTarget(
            name: "CommandsTests",
            dependencies: ["Commands", "HDF5", "Tensor", "Graph", "KerasIO", "Zoo", "Imaging", "Training", "Study", "FileSupport", "Failure", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
