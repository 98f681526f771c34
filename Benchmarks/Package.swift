// swift-tools-version: 6.1
// WildIR benchmarks: a package of its own so that the library's build and tests stay lean.
// Run everything with `make bench` from the repository root (see Benchmarks/README.md).
import PackageDescription

let package = Package(
    name: "WildIRBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "WildIR", path: "..")],
    targets: [
        .target(name: "BenchSupport", path: "Sources/BenchSupport"),
        .executableTarget(
            name: "imaging-bench",
            dependencies: ["BenchSupport", .product(name: "Imaging", package: "WildIR"), .product(name: "Metrics", package: "WildIR")],
            path: "Sources/imaging-bench"
        ),
        .executableTarget(
            name: "degradation-bench",
            dependencies: ["BenchSupport", .product(name: "Imaging", package: "WildIR"), .product(name: "Degradation", package: "WildIR")],
            path: "Sources/degradation-bench"
        ),
        .executableTarget(
            name: "unet-bench",
            dependencies: ["BenchSupport", .product(name: "Models", package: "WildIR"), .product(name: "WildTensor", package: "WildIR")],
            path: "Sources/unet-bench"
        ),
        .executableTarget(
            name: "restoration-eval",
            dependencies: ["BenchSupport", .product(name: "WildIR", package: "WildIR")],
            path: "Sources/restoration-eval"
        ),
        .executableTarget(
            name: "daclip-bench",
            dependencies: ["BenchSupport", .product(name: "DACLIP", package: "WildIR"), .product(name: "WildTensor", package: "WildIR")],
            path: "Sources/daclip-bench"
        ),
        .executableTarget(
            name: "sspir-bench",
            dependencies: ["BenchSupport", .product(name: "SSPIR", package: "WildIR"), .product(name: "StableDiffusion", package: "WildIR"),
                           .product(name: "WildTensor", package: "WildIR")],
            path: "Sources/sspir-bench"
        ),
        .executableTarget(
            name: "metrics-bench",
            dependencies: ["BenchSupport", .product(name: "WildIR", package: "WildIR"), .product(name: "CLIPTokenizer", package: "WildIR")],
            path: "Sources/metrics-bench"
        ),
        .executableTarget(
            name: "tensor-bench",
            dependencies: ["BenchSupport", .product(name: "WildTensor", package: "WildIR")],
            path: "Sources/tensor-bench"
        ),
    ]
)
