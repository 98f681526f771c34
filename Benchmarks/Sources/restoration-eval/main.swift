// Quality and speed of a restoration model on held-out photos: each photo's centre crop is degraded by the wild
// pipeline with a fixed per-photo seed, restored by every sampler at several step counts, and scored (PSNR/SSIM
// on RGB, BasicSR conventions) against the crop; the LQ input is scored too. Also times one 512² restoration.
// Photos are first shrunk by SCALE (area filter; default 1/4, so that a crop holds a scene rather than a
// smooth patch of a 2560-pixel-wide photo, as people view photos).
// A per-photo table (LQ against the posterior sampler) follows the summary, so one outlier cannot hide in a mean.
// DRAWS (default 1) degrades each photo that many times (seeds 2024, 2025, …), one table row per pair.
// Usage: restoration-eval MODEL HELDOUT_DIR [CROP] [STEPS,...] [SCALE] [SAMPLERS,...] [DRAWS] > table.md
//        restoration-eval speed MODEL IMAGE STEPS RUNS   (one JSON line: median seconds of posterior sampling)
import BenchSupport
import Foundation
import WildIR

/// Rows appear as they are measured, also when redirected to a file (stdout would be fully buffered).
func print(_ line: String = "") { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let arguments = CommandLine.arguments
if arguments.count == 6, arguments[1] == "speed", let steps = Int(arguments[4]), let runs = Int(arguments[5]) {
    // The sampling loop alone (model loaded, image decoded), as the reference script times it.
    let model = try RestorationModel(contentsOf: URL(fileURLWithPath: arguments[2]))
    let image = try Image(contentsOf: arguments[3]).opaqueRGB
    var options = RestorationOptions()
    options.steps = steps
    options.tileSize = max(image.width, image.height)
    let restorer = try Restorer(model: model, options: options)
    report("restore_\(image.width)x\(image.height)_posterior_\(steps)_steps", try time(runs: runs) { _ = try restorer.restore(image) })
    exit(0)
}
guard arguments.count >= 3 else {
    let usage = "usage: restoration-eval MODEL HELDOUT_DIR [CROP] [STEPS,...] [SCALE] [SAMPLERS,...] [DRAWS]\n"
    FileHandle.standardError.write(Data(usage.utf8))
    exit(64)
}
let model = try RestorationModel(contentsOf: URL(fileURLWithPath: arguments[1]))
let crop = arguments.count > 3 ? Int(arguments[3]) ?? 128 : 128
let stepCounts = arguments.count > 4 ? arguments[4].split(separator: ",").compactMap { Int($0) } : [10, 25, 50, 100]
let scale = arguments.count > 5 ? Double(arguments[5]) ?? 0.25 : 0.25
let samplers = arguments.count > 6 ? arguments[6].split(separator: ",").compactMap { SamplingMethod(rawValue: String($0)) }
                                   : SamplingMethod.allCases
// DRAWS degradations per photo, with seeds 2024, 2025, …: more draws average out which damage each photo got.
let draws = max(1, arguments.count > 7 ? Int(arguments[7]) ?? 1 : 1)
let photos = try ImageFolder.list(arguments[2]).images

struct Pair { let name: String; let lq: Image; let gt: Image }
let pairs: [Pair] = try photos.flatMap { path in
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    let shrunk = try Image(contentsOf: path).opaqueRGB.shrunk(by: scale)
    let gt = try shrunk.cropped(x: (shrunk.width - crop) / 2, y: (shrunk.height - crop) / 2, width: crop, height: crop)
    return try (0..<draws).map { draw in
        var random = DegradationRandom(seed: 2024 + UInt64(draw), name: name)
        return Pair(name: draws == 1 ? name : "\(name) #\(draw + 1)", lq: try WildPipeline().apply(gt, random: &random).0, gt: gt)
    }
}
func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
let lqPSNRs = try pairs.map { try PSNR().evaluate(restored: $0.lq, reference: $0.gt) }
let lqSSIMs = try pairs.map { try SSIM().evaluate(restored: $0.lq, reference: $0.gt) }
let lqPSNR = mean(lqPSNRs), lqSSIM = mean(lqSSIMs)
var posteriorScores: [(steps: Int, psnr: [Double], ssim: [Double])] = []
let photoNames = photos.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
print("Held-out photos: \(photos.count) (\(photoNames.joined(separator: ", "))), shrunk by \(scale) (area),")
print("centre \(crop)² crops degraded by the wild pipeline (seed" + (draws == 1 ? " 2024" : "s 2024…\(2023 + draws), \(draws) draws")
      + " per photo name). Model: \(arguments[1]) (\(model.network.parameterCount) parameters).")
print("")
print("| sampler | steps | PSNR dB | SSIM | ΔPSNR vs LQ | ΔSSIM vs LQ | s per \(crop)² image |")
print("|---|---:|---:|---:|---:|---:|---:|")
print(String(format: "| LQ input | — | %.2f | %.4f | — | — | — |", lqPSNR, lqSSIM))
for sampler in samplers {
    for steps in stepCounts where steps <= model.sdeOptions.steps {
        var options = RestorationOptions()
        options.sampler = sampler
        options.steps = steps
        options.seed = 1
        let restorer = try Restorer(model: model, options: options)
        var psnr: [Double] = [], ssim: [Double] = [], seconds: [Double] = []
        for pair in pairs {
            var restored: Image?
            seconds.append(try milliseconds { restored = try restorer.restore(pair.lq) } / 1000)
            psnr.append(try PSNR().evaluate(restored: restored!, reference: pair.gt))
            ssim.append(try SSIM().evaluate(restored: restored!, reference: pair.gt))
        }
        print(String(format: "| %@ | %d | %.2f | %.4f | %+.2f | %+.4f | %.2f |", sampler.rawValue, steps, mean(psnr), mean(ssim),
                     mean(psnr) - lqPSNR, mean(ssim) - lqSSIM, median(seconds)))
        if sampler == .posterior { posteriorScores.append((steps, psnr, ssim)) }
    }
}
if !posteriorScores.isEmpty {
    print("")
    print("Per photo, PSNR dB / SSIM:")
    print("")
    print("| photo | LQ | " + posteriorScores.map { "posterior \($0.steps)" }.joined(separator: " | ") + " |")
    print("|---|---:|" + String(repeating: "---:|", count: posteriorScores.count))
    for (index, pair) in pairs.enumerated() {
        let cells = posteriorScores.map { String(format: "%.2f / %.4f", $0.psnr[index], $0.ssim[index]) }
        print(String(format: "| %@ | %.2f / %.4f | ", pair.name, lqPSNRs[index], lqSSIMs[index]) + cells.joined(separator: " | ") + " |")
    }
}
// One 512² restoration (posterior, 25 steps), for the speed figure.
if let first = photos.first, ProcessInfo.processInfo.environment["WILDIR_EVAL_SKIP_TIMING"] == nil {
    let full = try Image(contentsOf: first).opaqueRGB
    let big = try full.cropped(x: (full.width - 512) / 2, y: (full.height - 512) / 2, width: 512, height: 512)
    var options = RestorationOptions()
    options.steps = min(25, model.sdeOptions.steps)
    let restorer = try Restorer(model: model, options: options)
    let ms = try milliseconds { _ = try restorer.restore(big) }
    print("")
    print(String(format: "One 512² restoration (posterior, %d steps): %.1f s.", options.steps ?? 0, ms / 1000))
}
