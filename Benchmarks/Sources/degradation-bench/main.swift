// Times WildIR's degradation: the wild and Real-ESRGAN ×1 pipelines' throughput on 512×512 crops (both cores, one image per task)
// and each operation alone on one crop. Prints JSON lines {"library": "wildir", "case": ..., "median_ms": ...}
// for Benchmarks/compare.py; Benchmarks/degradation_reference.py times the official Python code the same way.
import Parallelism
import BenchSupport
import Degradation
import Dispatch
import Foundation
import Imaging

/// The centre 512×512 crop of a photo.
func crop(_ image: Image, _ size: Int = 512) throws -> Image {
    try image.cropped(x: (image.width - size) / 2, y: (image.height - size) / 2, width: size, height: size)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: degradation-bench PHOTO_DIR [RUNS] [CASE_PREFIX]\n".utf8))
    exit(2)
}
let runs = arguments.count >= 3 ? Int(arguments[2]) ?? 5 : 5
/// Only cases whose name starts with this prefix run (all by default), e.g. `wild` or `op_`.
let only = arguments.count >= 4 ? arguments[3] : ""
do {
    let files = try FileManager.default.contentsOfDirectory(atPath: arguments[1]).filter { $0.hasSuffix(".jpg") }.sorted()
    let crops = try files.map { try Image(contentsOf: arguments[1] + "/" + $0) }.filter { $0.channels == 3 }.map { try crop($0) }
    let pipeline = WildPipeline()
    // Throughput: every crop degraded 8 times per run, two images at a time (one per core); the same draws in
    // every run (seeded by job index), as the Python side does, so runs differ only by machine noise.
    func throughput(_ name: String, jobs: Int, _ degrade: @escaping @Sendable (Image, inout DegradationRandom) throws -> Void) {
        guard name.hasPrefix(only) else { return }
        var perImage: [Double] = []
        for _ in 0..<runs {
            let ms = milliseconds {
                let failures = UncheckedSendableBox(NSLock())
                DispatchQueue.concurrentPerform(iterations: jobs) { i in
                    var random = DegradationRandom(seed: 0, name: "\(i)")
                    do { try degrade(crops[i % crops.count], &random) } catch {
                        failures.value.lock(); print("error: \(error)"); failures.value.unlock()
                    }
                }
            }
            perImage.append(ms / Double(jobs))
        }
        report(name, perImage, extra: ["images_per_second": 1000 / median(perImage)])
    }
    throughput("wild_pipeline_per_image", jobs: crops.count * 8) { _ = try pipeline.apply($0, random: &$1) }
    // Real-ESRGAN ×1 (the DACLIP-IR † baseline's degradation), GT sharpening included as in feed_data.
    throughput("realesrgan_x1_pipeline_per_image", jobs: crops.count * 4) { _ = try RealESRGANPipeline(scale: 1).apply($0, random: &$1) }

    // Operations alone on one crop (single image; the operation may use both cores internally).
    let image = crops[0]
    var random = DegradationRandom(seed: 1)
    let aniso = try GaussianKernels.kernel(size: 19, sigmaX: 2, sigmaY: 0.8, theta: 0.5)
    let iso = try GaussianKernels.isotropic(size: 19, sigma: 1.6)
    let sinc = try SincKernel.circularLowPass(cutoff: 1.2, size: 21)
    let small = try GaussianKernels.isotropic(size: 7, sigma: 1.2)
    let cases: [(String, () throws -> Void)] = [
        ("op_filter2d_aniso19", { _ = image.filtered(by: aniso) }),
        ("op_filter2d_iso19", { _ = image.filtered(by: iso) }),
        ("op_filter2d_sinc21", { _ = image.filtered(by: sinc) }),
        ("op_wiener", { _ = try WienerRinging.deconvolve(image, kernel: small) }),
        ("op_resize_bicubic_0.7", { _ = try image.resized(width: 365, height: 365, filter: .bicubic) }),
        ("op_gaussian_noise", { _ = Noise.gaussian(image, sigma: 3, gray: false, random: &random) }),
        ("op_poisson_noise", { _ = Noise.poisson(image, scale: 0.3, gray: false, random: &random) }),
        ("op_jpeg_q75", { _ = try JPEGCompression.apply(image, quality: 75) }),
    ]
    for (name, body) in cases where name.hasPrefix(only) {
        try body()
        report(name, try (0..<max(runs, 5)).map { _ in try milliseconds(body) })
    }
} catch {
    FileHandle.standardError.write(Data("degradation-bench: \(error)\n".utf8))
    exit(1)
}
