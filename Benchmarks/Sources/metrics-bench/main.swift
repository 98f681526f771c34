// The WildIR side of the learned-metrics benchmark: what `wildir evaluate` runs, in one process, on the pairs that
// Benchmarks/metrics_reference.py images wrote (DIR/<size>/restored and DIR/<size>/reference, PNG):
//   lpips_alex_<size>, lpips_vgg_<size>, dists_<size>: `Evaluator.evaluate` of the folder pair with that metric alone
//     (decoding both images of each pair and scoring it, as `wildir evaluate --metrics lpips|dists` does);
//   fid_features_<size>: the FID Inception's features of the reference folder, decoded (`Evaluator.images(at:)`) and
//     read in batches of `Evaluator.Options.featureBatchSize` images, as `wildir evaluate --metrics fid` does for each set;
//   clip_i_vit_b32_<size>, clip_i_vit_l14_<size>: `Evaluator.evaluate` of the folder pair with CLIP-I alone, and
//   clipiqa_vit_b32_<size>, clipiqa_vit_l14_<size>: of the restored folder alone (no reference) with CLIPIQA alone and
//     pyiqa's prompts, as `wildir evaluate --metrics clip-i|clipiqa --clip FILE` runs them: each image decoded, through
//     CLIP's preprocessing and the ViT image tower. Only when $METRICS_BENCH_CLIP_DIR names the folder of the OpenCLIP
//     checkpoints metrics_reference.py clip-weights wrote (<dir>/ViT-B-32/open_clip_pytorch_model.bin, ViT-L-14/…);
//     the tokenizer reads the bundled models/clip/bpe_simple_vocab_16e6.txt.gz.
// Weights come from PyTorch's cache ($TORCH_HOME, random files written by metrics_reference.py weights) and the
// bundled models/metrics/ of the repository. One warm-up pass over the folder, then the median of RUNS passes; one JSON
// line per case for Benchmarks/compare.py, with images_per_s (pairs per second for LPIPS, DISTS and CLIP-I). The CLIP
// cases' mean scores of their last pass go to stderr, to check against metrics_reference.py time-clip's.
// Usage: [METRICS_BENCH_CLIP_DIR=DIR] metrics-bench DIR RUNS SIZES [CASE_PREFIX]   (SIZES: comma-separated, e.g. 256,512)
import BenchSupport
import CLIPTokenizer
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

/// The OpenCLIP towers of the CLIP cases: the checkpoint folder's name and the tag in the case names.
let clipTowers: [(name: String, tag: String)] = [("ViT-B-32", "vit_b32"), ("ViT-L-14", "vit_l14")]
/// The CLIP metrics and their case-name prefixes.
let clipCases: [(metric: MetricName, prefix: String)] = [(.clipI, "clip_i"), (.clipiqa, "clipiqa")]
let clipDirectory = ProcessInfo.processInfo.environment["METRICS_BENCH_CLIP_DIR"] ?? ""
if clipDirectory.isEmpty {
    if clipCases.contains(where: { $0.prefix.hasPrefix(only) || only.hasPrefix($0.prefix) }) {
        FileHandle.standardError.write(Data(("metrics-bench: METRICS_BENCH_CLIP_DIR is not set, skipping the CLIP-I and "
            + "CLIPIQA cases (metrics_reference.py clip-weights DIR writes their checkpoints)\n").utf8))
    }
} else {
    let vocabulary = repository.appendingPathComponent("models").appendingPathComponent(ModelLocator.clipVocabulary)
    for tower in clipTowers {
        let wanted = clipCases.filter { clipCase in sizes.contains { "\(clipCase.prefix)_\(tower.tag)_\($0)".hasPrefix(only) } }
        guard !wanted.isEmpty else { continue }
        // One CLIP loaded once for both metrics, as `wildir evaluate` loads it once for every folder.
        let weights = URL(fileURLWithPath: clipDirectory).appendingPathComponent(tower.name)
            .appendingPathComponent("open_clip_pytorch_model.bin")
        let clip = try CLIPScores.load(for: wanted.map(\.metric), clip: weights) { try CLIPTokenizer(vocabularyURL: vocabulary) }
        for size in sizes {
            let restored = "\(directory)/\(size)/restored", reference = "\(directory)/\(size)/reference"
            let count = try FileManager.default.contentsOfDirectory(atPath: restored).filter { $0.hasSuffix(".png") }.count
            for (metric, prefix) in wanted where "\(prefix)_\(tower.tag)_\(size)".hasPrefix(only) {
                let name = "\(prefix)_\(tower.tag)_\(size)"
                let evaluator = Evaluator(options: Evaluator.Options(metrics: [metric], clip: clip))
                var scores: [Double] = []
                try measure(name, count: count) {
                    // CLIP-I against the references; CLIPIQA is no-reference, on the restored folder alone.
                    let report = try evaluator.evaluate(restoredDirectory: restored,
                                                        referenceDirectory: metric == .clipI ? reference : nil)
                    precondition(report.scores.count == count)
                    scores = report.scores.map { $0.values[metric] ?? .nan }
                }
                let mean = scores.reduce(0, +) / Double(scores.count)
                let line = String(format: "wildir \(name): mean \(metric.title) %.9f over %d (min %.9f, max %.9f)\n",
                                  mean, scores.count, scores.min() ?? .nan, scores.max() ?? .nan)
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
    }
}
