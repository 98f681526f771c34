// The WildIR side of the learned-metrics benchmark: what `wildir evaluate` runs, in one process, on the pairs that
// Benchmarks/metrics_reference.py images wrote (DIR/<size>/restored and DIR/<size>/reference, PNG):
//   lpips_alex_<size>, lpips_vgg_<size>, dists_<size>: `Evaluator.evaluate` of the folder pair with that metric alone
//     (decoding both images of each pair and scoring it, as `wildir evaluate --metrics lpips|dists` does);
//   fid_features_<size>: the FID Inception's features of the reference folder, decoded (`Evaluator.images(at:)`) and
//     read in batches of `Evaluator.Options.featureBatchSize` images, as `wildir evaluate --metrics fid` does for each set.
// Weights come from PyTorch's cache ($TORCH_HOME, random files written by metrics_reference.py weights) and the
// bundled models/metrics/ of the repository. One warm-up pass over the folder, then the median of RUNS passes; one JSON
// line per case for Benchmarks/compare.py, with images_per_s (pairs per second for LPIPS and DISTS).
// Usage: metrics-bench DIR RUNS SIZES [CASE_PREFIX]   (SIZES: comma-separated, e.g. 256,512)
import BenchSupport
import Foundation
import WildIR

let arguments = CommandLine.arguments
guard arguments.count >= 4, let runs = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: metrics-bench DIR RUNS SIZES [CASE_PREFIX]\n".utf8))
    exit(2)
}
let directory = arguments[1]
let sizes = arguments[3].split(separator: ",").map(String.init)
let only = arguments.count > 4 ? arguments[4] : ""
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let locator = MetricWeightsLocator(bundledFolders: [repository.appendingPathComponent("models")])

/// `runs` timed passes of `body` after a warm-up, reported as `name` with `count / median` images per second.
func measure(_ name: String, count: Int, _ body: () throws -> Void) throws {
    guard name.hasPrefix(only) else { return }
    let times = try time(runs: runs, body)
    report(name, times, extra: ["images_per_s": Double(count) / (median(times) / 1e3), "images": Double(count)])
}

let cases: [(name: String, metric: MetricName, network: LPIPSNetwork)] = [
    ("lpips_alex", .lpips, .alex), ("lpips_vgg", .lpips, .vgg), ("dists", .dists, .alex),
]
for size in sizes {
    let restored = "\(directory)/\(size)/restored", reference = "\(directory)/\(size)/reference"
    let files = try FileManager.default.contentsOfDirectory(atPath: reference).filter { $0.hasSuffix(".png") }.sorted()
    for (name, metric, network) in cases where "\(name)_\(size)".hasPrefix(only) {
        let learned = try LearnedMetrics.load(for: [metric], lpipsNetwork: network, locator: locator)
        let evaluator = Evaluator(options: Evaluator.Options(metrics: [metric], learned: learned))
        try measure("\(name)_\(size)", count: files.count) {
            let report = try evaluator.evaluate(restoredDirectory: restored, referenceDirectory: reference)
            precondition(report.scores.count == files.count)
        }
    }
    if "fid_features_\(size)".hasPrefix(only) {
        let inception = try FIDInception(locator: locator)
        let evaluator = Evaluator()
        let batch = evaluator.options.featureBatchSize
        let paths = files.map { "\(reference)/\($0)" }
        try measure("fid_features_\(size)", count: paths.count) {
            var start = 0
            while start < paths.count {
                let images = try evaluator.images(at: Array(paths[start..<min(start + batch, paths.count)]))
                _ = inception.features(of: images)
                start += images.count
            }
        }
    }
}
