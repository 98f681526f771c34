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
        .library(name: "Parallelism", targets: ["Parallelism"]),
        .library(name: "Configuration", targets: ["Configuration"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Metrics", targets: ["Metrics"]),
        .library(name: "Degradation", targets: ["Degradation"]),
        .library(name: "Checkpoints", targets: ["Checkpoints"]),
        .library(name: "WildTensor", targets: ["WildTensor"]),
        .library(name: "ImageTensors", targets: ["ImageTensors"]),
        .library(name: "SDE", targets: ["SDE"]),
        .library(name: "Models", targets: ["Models"]),
        .library(name: "CLIPTokenizer", targets: ["CLIPTokenizer"]),
        .library(name: "DACLIP", targets: ["DACLIP"]),
        .library(name: "StableDiffusion", targets: ["StableDiffusion"]),
        .library(name: "SSPIR", targets: ["SSPIR"]),
        .library(name: "Captioning", targets: ["Captioning"]),
        .library(name: "CLIPMetrics", targets: ["CLIPMetrics"]),
        .library(name: "Restoration", targets: ["Restoration"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "DACLIPTraining", targets: ["DACLIPTraining"]),
        .library(name: "SSPIRTraining", targets: ["SSPIRTraining"]),
        .library(name: "WildIR", targets: ["WildIR"]),
        .executable(name: "wildir", targets: ["WildIRTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        // `wildir serve`: HTTP, logging, metrics, graceful shutdown, the job store.
        // swift-configuration's `Configuration` and swift-metrics' `Metrics` share names with targets here: the Server
        // target renames them (module aliases).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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
        system("CZlib", pkgConfig: "zlib", apt: ["zlib1g-dev"]),

        // The base: concurrency helpers (row-parallel loops, the thread count) and the environment.
        .target(name: "Parallelism"),
        // The one options loader: YAML within limits, over defaults, key paths in errors, unknown keys refused.
        .target(name: "Configuration", dependencies: ["Yams"]),
        // libpng reports errors by longjmp, which must not cross Swift frames: the setjmp lives in this C file.
        .target(name: "PNGSupport", dependencies: ["CPNG"]),
        .target(name: "Imaging", dependencies: ["Parallelism", "CTurboJPEG", "PNGSupport", "CWebP", "CKissFFT", "CFreeType"]),
        // Image-quality metrics; the learned ones (LPIPS, DISTS) run torchvision trunks on the tensor engine.
        .target(name: "Metrics", dependencies: ["Imaging", "Parallelism", "CBLAS", "WildTensor", "Checkpoints"]),
        // AVX2 + FMA inner loops chosen at run time (Swift builds one instruction set per module).
        .target(name: "AVX2Kernels"),
        .target(name: "Degradation", dependencies: ["Imaging", "Parallelism", "AVX2Kernels", "Configuration"]),
        // Weight files: safetensors and the restricted (never executing) PyTorch checkpoint reader.
        .target(name: "Checkpoints", dependencies: ["CZlib"]),
        // Tensors, autograd, layers and optimisers; heavy kernels from oneDNN and OpenBLAS. Knows nothing of images.
        .target(name: "WildTensor", dependencies: ["CDNNL", "CBLAS", "CGOMP", "Checkpoints", "Parallelism", "WinogradTransforms", "AVX2Kernels"]),
        // The transforms of Winograd's F(2×2, 3×3) convolution (oneDNN's Winograd needs AVX-512).
        .target(name: "WinogradTransforms", dependencies: ["AVX2Kernels"]),
        // Images as NCHW tensors and back.
        .target(name: "ImageTensors", dependencies: ["Imaging", "WildTensor"]),
        // The mean-reverting SDE (IR-SDE) and its samplers.
        .target(name: "SDE", dependencies: ["WildTensor", "Configuration"]),
        // Networks of the two papers, with the official parameter names: ConditionalUNet and its blocks.
        .target(name: "Models", dependencies: ["WildTensor", "Checkpoints"]),
        // OpenCLIP's byte-level BPE tokenizer (the text side of CLIP and DA-CLIP).
        .target(name: "CLIPTokenizer", dependencies: ["CZlib"]),
        // DA-CLIP: the degradation-aware CLIP of DACLIP-IR (vision and text towers, controller, checkpoints).
        .target(name: "DACLIP", dependencies: ["WildTensor", "Checkpoints", "Configuration", "Imaging", "ImageTensors", "CLIPTokenizer"]),
        // Stable Diffusion 1.5's parts with diffusers' names (SSP-IR's backbone): the diffusers blocks and the VAE, the
        // noise schedulers (DDPM, DDIM, DPM-Solver++) with classifier-free guidance and the sampling loop, the CLIP
        // text encoder on DA-CLIP's text tower, and the original single-file checkpoints' naming.
        .target(name: "StableDiffusion", dependencies: ["WildTensor", "Checkpoints", "Models", "DACLIP", "Configuration"]),
        // SSP-IR's priors: the Processor (structure prior) with its RGB/FFT loss, the Refine Layer, chunked text tokens.
        .target(name: "SSPIR", dependencies: ["WildTensor", "Checkpoints", "StableDiffusion", "DACLIP", "Imaging", "CLIPTokenizer"]),
        // Captions of photos: a `name<TAB>caption` file, a fixed prompt, or a vision-language model behind an
        // OpenAI-style chat-completions endpoint (URLSession, hence FoundationNetworking on Linux).
        .target(name: "Captioning"),
        // The CLIP-based scores (CLIP-I, CLIP-IQA): the Metrics protocols on DA-CLIP's CLIP towers.
        .target(name: "CLIPMetrics", dependencies: ["Metrics", "DACLIP", "CLIPTokenizer", "Imaging", "WildTensor"]),
        // The model file format (network + SDE), the restorer and its tiles: the one inference path.
        .target(name: "Restoration", dependencies: ["Models", "SDE", "Imaging", "ImageTensors", "Checkpoints", "WildTensor",
                                                    "Configuration", "DACLIP"]),
        // Training IR-SDE networks: options, on-the-fly degraded data, the loop, checkpoints and resume.
        .target(name: "Training", dependencies: ["Restoration", "Parallelism", "WildTensor", "ImageTensors", "SDE", "Models", "Degradation",
                                                 "Imaging", "Metrics", "Checkpoints", "Configuration", "DACLIP"]),
        // Training the robust DA-CLIP (DACLIP-IR §3.3, §4): options, on-the-fly wild LQ crops and degradation texts, the
        // contrastive + fidelity loss, zero-shot validation, the loop, checkpoints and resume.
        .target(name: "DACLIPTraining", dependencies: ["DACLIP", "CLIPTokenizer", "Degradation", "Imaging", "WildTensor",
                                                       "Configuration", "Checkpoints", "Parallelism", "Captioning"]),
        // Training SSP-IR (Zhang et al., §III-D): options, Real-ESRGAN pairs with captions, the frozen and trained
        // networks, the loop with AdamW and clipping, validation, checkpoints and resume.
        .target(name: "SSPIRTraining", dependencies: ["SSPIR", "StableDiffusion", "DACLIP", "CLIPTokenizer", "Degradation", "Imaging",
                                                      "ImageTensors", "Metrics", "WildTensor", "Configuration", "Checkpoints",
                                                      "Parallelism", "Captioning"]),
        // The public facade: re-exports and the user-facing helpers that span modules (evaluation, dataset degrading).
        .target(name: "WildIR", dependencies: ["Parallelism", "Configuration", "Imaging", "Metrics", "Degradation", "Checkpoints",
                                               "WildTensor", "ImageTensors", "SDE", "Models", "Restoration", "Training",
                                               "DACLIPTraining", "DACLIP", "CLIPMetrics", "SSPIR", "SSPIRTraining", "StableDiffusion"]),
        // `wildir serve`: the HTTP API, the job queue and store, and the page, on Hummingbird.
        .target(name: "Server", dependencies: ["Restoration", "Imaging", "DACLIP",
                                               .product(name: "Hummingbird", package: "hummingbird",
                                                        moduleAliases: ["Metrics": "SwiftMetrics", "Configuration": "SwiftConfiguration"]),
                                               .product(name: "Logging", package: "swift-log"),
                                               .product(name: "Prometheus", package: "swift-prometheus"),
                                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                                               .product(name: "GRDB", package: "GRDB.swift")]),
        // The `wildir` command-line tool, one file per subcommand.
        .executableTarget(
            name: "WildIRTool",
            dependencies: ["WildIR", "Server", "Captioning", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Shared helpers for tests: fixture paths and a NumPy `.npy` reader.
        .target(name: "TestSupport", dependencies: ["Imaging", "Checkpoints", "WildTensor", "Restoration", "Models", "SDE", "Metrics",
                                                    "SSPIR", "StableDiffusion", "CLIPTokenizer"], path: "Tests/TestSupport"),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CDNNL", "CBLAS"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "Checkpoints", "WildTensor", "TestSupport"]),
        .testTarget(name: "DegradationTests", dependencies: ["Degradation", "Imaging", "Configuration", "TestSupport"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TestSupport"]),
        .testTarget(name: "WildTensorTests", dependencies: ["WildTensor", "Checkpoints", "TestSupport"]),
        .testTarget(name: "ImageTensorsTests", dependencies: ["ImageTensors", "Imaging", "WildTensor"]),
        .testTarget(name: "SDETests", dependencies: ["SDE", "WildTensor", "TestSupport"]),
        .testTarget(name: "RestorationTests", dependencies: ["Restoration", "DACLIP", "Models", "SDE", "WildTensor", "Imaging", "Checkpoints", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Restoration", "Checkpoints", "Configuration", "Degradation", "WildTensor", "SDE", "Models", "Imaging", "TestSupport"]),
        .testTarget(name: "CLIPTokenizerTests", dependencies: ["CLIPTokenizer", "TestSupport"]),
        .testTarget(name: "DACLIPTests", dependencies: ["DACLIP", "CLIPTokenizer", "WildTensor", "Checkpoints", "Imaging", "TestSupport"]),
        .testTarget(name: "DACLIPTrainingTests", dependencies: ["DACLIPTraining", "DACLIP", "CLIPTokenizer", "Configuration",
                                                                "Degradation", "WildTensor", "Checkpoints", "Imaging", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "WildTensor", "Checkpoints", "TestSupport"]),
        .testTarget(name: "StableDiffusionTests", dependencies: ["StableDiffusion", "DACLIP", "Models", "WildTensor", "Checkpoints", "TestSupport"]),
        .testTarget(name: "SSPIRTests", dependencies: ["SSPIR", "StableDiffusion", "WildTensor", "Checkpoints", "TestSupport"]),
        .testTarget(name: "SSPIRTrainingTests", dependencies: ["SSPIRTraining", "SSPIR", "StableDiffusion", "Configuration", "WildTensor", "Captioning",
                                                               "Checkpoints", "Imaging", "TestSupport"]),
        // Starts a stub chat-completions server on a loopback port.
        .testTarget(name: "CaptioningTests", dependencies: ["Captioning", "TestSupport"]),
        .testTarget(name: "CLIPMetricsTests", dependencies: ["CLIPMetrics", "DACLIP", "CLIPTokenizer", "Imaging", "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Imaging", "Checkpoints", "WildTensor", "TestSupport"]),
        // Starts the real server on a loopback port and drives its API, and its page in headless Chromium.
        .testTarget(name: "ServerTests", dependencies: ["Server", "Restoration", "Imaging", "DACLIP", "CLIPTokenizer", "TestSupport"]),
        // Runs the built `wildir` executable, so it depends on it.
        .testTarget(name: "WildIRCLITests", dependencies: ["WildIR", "DACLIP", "CLIPTokenizer", "TestSupport", "WildIRTool", "Degradation"]),
    ]
)
