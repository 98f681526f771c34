// swift-tools-version: 6.1
// WildIR: photo-realistic image restoration in the wild, in native Swift.
import PackageDescription

/// Debian packages that provide each system library (installed by `scripts/setup.sh`).
func system(_ name: String, pkgConfig: String? = nil, apt: [String]) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt(apt)])
}

let package = Package(
    name: "WildIR",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Degradation", targets: ["Degradation"]),
        .library(name: "Checkpoints", targets: ["Checkpoints"]),
        .library(name: "WildTensor", targets: ["WildTensor"]),
        .library(name: "SDE", targets: ["SDE"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "WildIR", targets: ["WildIR"]),
        .executable(name: "wildir", targets: ["wildir"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // C libraries: module maps only, no logic.
        system("CDNNL", apt: ["libdnnl-dev"]),
        system("CBLAS", apt: ["libopenblas-dev"]),
        system("CGOMP", apt: ["libgomp1"]),
        system("CTurboJPEG", pkgConfig: "libturbojpeg", apt: ["libturbojpeg0-dev"]),
        system("CPNG", pkgConfig: "libpng", apt: ["libpng-dev"]),
        system("CWebP", pkgConfig: "libwebp", apt: ["libwebp-dev"]),
        system("CKissFFT", apt: ["libkissfft-dev"]),
        system("CFreeType", pkgConfig: "freetype2", apt: ["libfreetype-dev"]),

        // libpng reports errors by longjmp, which must not cross Swift frames: the setjmp lives in this C file.
        .target(name: "PNGSupport", dependencies: ["CPNG"]),
        .target(name: "Imaging", dependencies: ["CTurboJPEG", "PNGSupport", "CWebP", "CKissFFT", "CFreeType"]),
        .target(name: "Metrics", dependencies: ["Imaging"]),
        // AVX2 + FMA inner loops chosen at run time (Swift builds one instruction set per module).
        .target(name: "AVX2Kernels"),
        .target(name: "Degradation", dependencies: ["Imaging", "AVX2Kernels"]),
        // Weight files: safetensors and the restricted (never executing) PyTorch checkpoint reader.
        .target(name: "Checkpoints"),
        // Tensors, autograd, layers and optimisers; heavy kernels from oneDNN and OpenBLAS.
        .target(name: "WildTensor", dependencies: ["CDNNL", "CBLAS", "CGOMP", "Checkpoints", "Imaging"]),
        // The mean-reverting SDE (IR-SDE) and its samplers.
        .target(name: "SDE", dependencies: ["WildTensor"]),
        // Networks of the two papers, with the official parameter names: ConditionalUNet and its blocks.
        .target(name: "Models", dependencies: ["WildTensor", "Checkpoints"]),
        // Training IR-SDE networks: options, on-the-fly degraded data, the loop, checkpoints and resume.
        .target(name: "Training", dependencies: ["WildTensor", "SDE", "Models", "Degradation", "Imaging", "Metrics", "Checkpoints", "Yams"]),
        .target(name: "WildIR", dependencies: ["Imaging", "Metrics", "Degradation", "Checkpoints", "WildTensor", "SDE", "Models", "Training", "Yams"]),
        .executableTarget(
            name: "wildir",
            dependencies: ["WildIR", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Shared helpers for tests: fixture paths and a NumPy `.npy` reader.
        .target(name: "TestSupport", dependencies: ["Imaging", "Checkpoints"], path: "Tests/TestSupport"),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CDNNL", "CBLAS"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "DegradationTests", dependencies: ["Degradation", "Imaging", "TestSupport"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TestSupport"]),
        .testTarget(name: "WildTensorTests", dependencies: ["WildTensor", "Checkpoints", "TestSupport"]),
        .testTarget(name: "SDETests", dependencies: ["SDE", "WildTensor", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "WildTensor", "SDE", "Models", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "WildTensor", "Checkpoints", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Imaging", "TestSupport"]),
        // Runs the built `wildir` executable, so it depends on it.
        .testTarget(name: "WildIRCLITests", dependencies: ["WildIR", "TestSupport", "wildir", "Degradation"]),
    ]
)
