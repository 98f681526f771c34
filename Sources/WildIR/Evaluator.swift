import DACLIP
import Foundation
import WildTensor

/// Scores a folder of restored images with the metrics asked for: full-reference ones (PSNR, SSIM; BasicSR
/// conventions: `calculate_psnr` / `calculate_ssim` with `crop_border` and `test_y_channel`, or on pyiqa's Y as its
/// `psnry` and `ssim`, ``YChannelConvention``; LPIPS and DISTS as the
/// lpips and DISTS_pytorch packages compute them, on the whole RGB image) against a folder of references,
/// no-reference ones (NIQE, as BasicSR's `calculate_niqe`) on the restored images alone.
///
/// Files pair by **stem** (file name without extension): `restored/0801.png` pairs with `reference/0801.png` or
/// `reference/0801.jpg`, so outputs saved in another format still pair. Only `.png`, `.jpg`/`.jpeg` and `.webp`
/// files take part (extensions in any case); hidden files and subfolders are ignored, other files are listed in
/// ``Report/skipped``. Two files with the same stem in one folder are an error (the pairing would be a guess).
/// A gray file paired with an RGB one is compared as R = G = B, so scores do not depend on how a gray photo was
/// stored; alpha is ignored. Without a reference folder every restored image is scored (no-reference metrics only).
///
/// Set-level metrics (FID, KID) compare the whole restored folder with the whole reference folder — every image of
/// each, of any size, without pairing by name (so unpaired files do not matter to them) — and give one value per
/// set, reported as the column's "mean". An evaluation that asks only for them does not pair files at all.
public struct Evaluator: Sendable {
    /// Options of an evaluation.
    public struct Options: Sendable, Equatable {
        /// The metrics to compute, in the order of the report's columns.
        public var metrics: [MetricName]
        /// Crop and Y-channel convention of PSNR and SSIM; NIQE uses the crop (it always reads BasicSR's Y).
        public var region: ComparisonRegion
        /// Score the pairs that exist and list the unpaired files, instead of failing on them.
        public var allowUnpaired: Bool
        /// Decoding limits for both folders.
        public var decode: DecodeOptions
        /// NIQE's pristine model; needed when ``metrics`` holds ``MetricName/niqe``.
        public var niqeParameters: NIQEParameters?
        /// The loaded LPIPS and DISTS (``LearnedMetrics/load(for:lpipsNetwork:locator:)``); needed when ``metrics``
        /// holds them. They ignore ``region``: both read the whole RGB image, as their reference packages do.
        public var learned: LearnedMetrics
        /// KID's subsets (100 of up to 1000 images by default, seed 0).
        public var kid: KernelInceptionDistance
        /// How many images the FID Inception reads at once (memory grows with it: about 45 MB per image), and how
        /// many items the CLIP-based metrics encode as one batch.
        public var featureBatchSize: Int
        /// The loaded CLIP-I and CLIP-IQA (``CLIPScores/load(for:clip:configuration:tokenizer:)``); needed when
        /// ``metrics`` holds them. They ignore ``region``: CLIP reads its own centre crop of the RGB image.
        public var clip: CLIPScores

        /// Options with BasicSR's defaults (PSNR and SSIM on all channels, no crop), unpaired files fatal.
        public init(metrics: [MetricName] = [.psnr, .ssim], region: ComparisonRegion = ComparisonRegion(),
                    allowUnpaired: Bool = false, decode: DecodeOptions = .default, niqeParameters: NIQEParameters? = nil,
                    learned: LearnedMetrics = LearnedMetrics(), clip: CLIPScores = CLIPScores(),
                    kid: KernelInceptionDistance = KernelInceptionDistance(), featureBatchSize: Int = 8) {
            self.metrics = metrics
            self.region = region
            self.allowUnpaired = allowUnpaired
            self.decode = decode
            self.niqeParameters = niqeParameters
            self.learned = learned
            self.kid = kid
            self.featureBatchSize = featureBatchSize
            self.clip = clip
        }
    }

    /// The scores of one image (or pair).
    public struct Score: Sendable, Equatable {
        /// The stem of the file(s).
        public let name: String
        /// Path of the restored image.
        public let restoredPath: String
        /// Path of the reference image; nil when the evaluation has no reference folder.
        public let referencePath: String?
        /// The value of every metric of the evaluation (PSNR in dB, `+infinity` for identical images).
        public let values: [MetricName: Double]

        /// PSNR in decibels (NaN when not computed).
        public var psnr: Double { values[.psnr] ?? .nan }
        /// SSIM, at most 1 (NaN when not computed).
        public var ssim: Double { values[.ssim] ?? .nan }
    }

    /// The set-level scores of an evaluation (FID, KID) and the images they were computed over.
    public struct SetScores: Sendable, Equatable {
        /// How many restored and reference images the features came from.
        public let restoredCount: Int
        public let referenceCount: Int
        /// FID and KID (the mean over KID's subsets), for those asked for.
        public let values: [MetricName: Double]
        /// KID's subsets: their estimates' population standard deviation, and the subset size used.
        public let kid: KernelInceptionDistance.Value?
    }

    /// The result of an evaluation.
    public struct Report: Sendable, Equatable {
        /// One score per image or pair, sorted by name (empty when only set-level metrics were asked for).
        public let scores: [Score]
        /// FID and KID, when asked for.
        public var set: SetScores? = nil
        /// Restored files with no reference (empty unless ``Options/allowUnpaired``).
        public let unpairedRestored: [String]
        /// Reference files with no restored file (empty unless ``Options/allowUnpaired``).
        public let unpairedReference: [String]
        /// Files of either folder that are not images by their extension, so were not considered.
        public let skipped: [String]
        /// The options the scores were computed with.
        public let options: Options

        /// The mean of `metric` over the images (`+infinity` for PSNR if any pair is identical, as BasicSR's
        /// average would be; NaN when the metric was not computed).
        /// For a set-level metric, its one value.
        public func mean(_ metric: MetricName) -> Double {
            if metric.isSetLevel { return set?.values[metric] ?? .nan }
            guard options.metrics.contains(metric), !scores.isEmpty else { return .nan }
            return scores.map { $0.values[metric] ?? .nan }.reduce(0, +) / Double(scores.count)
        }

        /// The images a table's row stands for: the scored images, or the restored set's size for set-level metrics alone.
        public var imageCount: Int { scores.isEmpty ? set?.restoredCount ?? 0 : scores.count }

        /// Mean PSNR over the pairs, in dB.
        public var meanPSNR: Double { mean(.psnr) }
        /// Mean SSIM over the pairs.
        public var meanSSIM: Double { mean(.ssim) }
    }

    /// How the evaluation is done.
    public var options: Options

    /// An evaluator with `options`.
    public init(options: Options = Options()) { self.options = options }

    /// Scores every restored image (paired with its reference when `referenceDirectory` is given), calling
    /// `progress(done, total)` after each; FID and KID, when asked for, over both whole folders (their images count
    /// in `total` too: each is read by the Inception once).
    /// - Throws: ``EvaluationError`` for missing or empty folders, a full-reference metric without references,
    ///   unpaired or ambiguous files, size mismatches and images that cannot be decoded or scored (naming the files),
    ///   sets too small for FID or KID.
    public func evaluate(restoredDirectory: String, referenceDirectory: String?,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let all = try Self.checked(options)
        let metrics = all.filter { !$0.isSetLevel }, setLevel = all.filter(\.isSetLevel)
        let restored = try Self.imageFiles(in: restoredDirectory)
        guard let referenceDirectory else {
            guard all.allSatisfy({ !$0.needsReference }) else {
                throw EvaluationError.referenceRequired(all.filter(\.needsReference).map(\.rawValue))
            }
            let paths = restored.byStem.keys.sorted().compactMap { name in restored.byStem[name].map { (name, $0) } }
            let total = Self.passes(over: metrics) * paths.count
            let values = try itemScores(metrics, items: paths.map { ScoredItem(restored: $0.1, reference: nil) }) {
                progress($0, total)
            }
            let scores = zip(paths, values).map { Score(name: $0.0, restoredPath: $0.1, referencePath: nil, values: $1) }
            return Report(scores: scores, unpairedRestored: [], unpairedReference: [], skipped: restored.skipped, options: options)
        }
        let reference = try Self.imageFiles(in: referenceDirectory)
        let setPaths = (restored: restored.byStem.keys.sorted().compactMap { restored.byStem[$0] },
                        reference: reference.byStem.keys.sorted().compactMap { reference.byStem[$0] })
        let setWork = setLevel.isEmpty ? 0 : setPaths.restored.count + setPaths.reference.count
        guard !metrics.isEmpty else {
            var report = Report(scores: [], unpairedRestored: [], unpairedReference: [],
                                skipped: restored.skipped + reference.skipped, options: options)
            report.set = try setScores(setLevel, paths: setPaths) { progress($0, setWork) }
            return report
        }
        let names = Set(restored.byStem.keys).intersection(reference.byStem.keys).sorted()
        let onlyRestored = restored.byStem.keys.filter { reference.byStem[$0] == nil }.sorted().compactMap { restored.byStem[$0] }
        let onlyReference = reference.byStem.keys.filter { restored.byStem[$0] == nil }.sorted().compactMap { reference.byStem[$0] }
        if !options.allowUnpaired, !onlyRestored.isEmpty || !onlyReference.isEmpty {
            throw EvaluationError.unpaired(restoredOnly: onlyRestored, referenceOnly: onlyReference)
        }
        guard !names.isEmpty else {
            throw EvaluationError.noPairs(restoredDirectory: restoredDirectory, referenceDirectory: referenceDirectory)
        }
        let pairs = names.compactMap { name in
            restored.byStem[name].flatMap { a in reference.byStem[name].map { (name, a, $0) } }
        }
        let pairWork = Self.passes(over: metrics) * pairs.count
        let values = try itemScores(metrics, items: pairs.map { ScoredItem(restored: $0.1, reference: $0.2) }) {
            progress($0, pairWork + setWork)
        }
        let scores = zip(pairs, values).map { Score(name: $0.0, restoredPath: $0.1, referencePath: $0.2, values: $1) }
        var report = Report(scores: scores, unpairedRestored: onlyRestored, unpairedReference: onlyReference,
                            skipped: restored.skipped + reference.skipped, options: options)
        if !setLevel.isEmpty {
            report.set = try setScores(setLevel, paths: setPaths) { progress(pairWork + $0, pairWork + setWork) }
        }
        return report
    }

    /// A restored image and its reference, when the evaluation has references: one row of the report.
    struct ScoredItem {
        let restored: String
        let reference: String?
    }

    /// How many times the per-image metrics read every item: once for the CLIP-based ones (in batches), once for
    /// the others (one item per core), so 0, 1 or 2.
    static func passes(over metrics: [MetricName]) -> Int {
        (metrics.contains(where: \.isCLIPBased) ? 1 : 0) + (metrics.contains { !$0.isCLIPBased && !$0.isSetLevel } ? 1 : 0)
    }

    /// The per-image metrics of every item, in order: the CLIP-based ones in batches
    /// (``clipScores(_:items:progress:)``), the others one item per core (``scoreConcurrently(_:progress:_:)``).
    /// `progress(done)` counts items over both passes (``passes(over:)``).
    private func itemScores(_ metrics: [MetricName], items: [ScoredItem],
                            progress: (Int) -> Void) throws -> [[MetricName: Double]] {
        let clip = metrics.filter(\.isCLIPBased), perItem = metrics.filter { !$0.isCLIPBased }
        var values = try scoreConcurrently(perItem.isEmpty ? 0 : items.count, progress: progress) { i in
            let item = items[i]
            let restored = try load(item.restored)
            if let referencePath = item.reference {
                let (a, b) = try Self.sameColourLayout(restored, load(referencePath))
                return try score(perItem, restored: a, reference: b, paths: (item.restored, referencePath))
            }
            return try score(perItem, restored: restored, reference: nil, paths: (item.restored, nil))
        }
        guard !clip.isEmpty else { return values }
        let done = perItem.isEmpty ? 0 : items.count
        let clipValues = try clipScores(clip, items: items) { progress(done + $0) }
        if values.isEmpty { return clipValues }
        for i in values.indices { values[i].merge(clipValues[i]) { a, _ in a } }
        return values
    }

    /// The options' metrics, once each, after checking that what they need is there.
    static func checked(_ options: Options) throws -> [MetricName] {
        var metrics: [MetricName] = []
        for metric in options.metrics where !metrics.contains(metric) { metrics.append(metric) }
        guard !metrics.isEmpty else { throw EvaluationError.noMetrics }
        if metrics.contains(.niqe), options.niqeParameters == nil { throw EvaluationError.missingMetricData("NIQE's pristine model (niqe_pris_params)") }
        if metrics.contains(.lpips), options.learned.lpips == nil { throw EvaluationError.learnedMetricNotLoaded("LPIPS") }
        if metrics.contains(.dists), options.learned.dists == nil { throw EvaluationError.learnedMetricNotLoaded("DISTS") }
        if let setLevel = metrics.first(where: \.isSetLevel), options.learned.fidInception == nil {
            throw EvaluationError.learnedMetricNotLoaded(setLevel.title)
        }
        guard options.featureBatchSize >= 1 else { throw EvaluationError.invalidOption("the feature batch size must be at least 1") }
        if metrics.contains(.clipI), options.clip.imageSimilarity == nil { throw EvaluationError.learnedMetricNotLoaded("CLIP-I") }
        if metrics.contains(.clipiqa), options.clip.quality == nil { throw EvaluationError.learnedMetricNotLoaded("CLIPIQA") }
        return metrics
    }

    /// `score(i)` for every `i` in `0..<count`, in order, computed on all cores at once (``ConcurrentItems``: each
    /// image or pair single-threaded on a core of its own, which for networks on small images is much faster than
    /// splitting each layer over the cores); `progress(done)` after each, from one thread at a time. The first
    /// failing item's error in file order is thrown, as a sequential loop would throw it.
    private func scoreConcurrently(_ count: Int, progress: (Int) -> Void,
                                   _ score: (Int) throws -> [MetricName: Double]) throws -> [[MetricName: Double]] {
        var done = 0
        let lock = NSLock()
        return try ConcurrentItems.map(count) { i in
            let scored = try score(i)
            lock.withLock {
                done += 1
                progress(done)
            }
            return scored
        }
    }

    /// Every metric of one image or pair.
    private func score(_ metrics: [MetricName], restored: Image, reference: Image?,
                       paths: (restored: String, reference: String?)) throws -> [MetricName: Double] {
        var values: [MetricName: Double] = [:]
        do {
            for metric in metrics {
                switch metric {
                case .psnr, .ssim:
                    guard let reference else { throw EvaluationError.referenceRequired([metric.rawValue]) }
                    let fullReference: any FullReferenceMetric = metric == .psnr ? PSNR(region: options.region) : SSIM(region: options.region)
                    values[metric] = try fullReference.evaluate(restored: restored, reference: reference)
                case .niqe:
                    guard let parameters = options.niqeParameters else { throw EvaluationError.missingMetricData("NIQE's pristine model") }
                    values[metric] = try NIQE(parameters: parameters, cropBorder: options.region.cropBorder).evaluate(restored)
                case .fid, .kid:
                    continue  // set-level: ``setScores(_:paths:progress:)``
                case .lpips, .dists:
                    guard let reference else { throw EvaluationError.referenceRequired([metric.rawValue]) }
                    let learned: (any FullReferenceMetric)? = metric == .lpips ? options.learned.lpips : options.learned.dists
                    guard let learned else { throw EvaluationError.learnedMetricNotLoaded(metric.title) }
                    values[metric] = try learned.evaluate(restored: restored, reference: reference)
                case .clipI, .clipiqa:
                    continue  // batched: ``clipScores(_:items:progress:)``
                }
            }
        } catch let error as MetricsError {
            throw EvaluationError.pairFailed(restoredPath: paths.restored, referencePath: paths.reference, reason: error.description)
        } catch let error as DACLIPError {
            throw EvaluationError.pairFailed(restoredPath: paths.restored, referencePath: paths.reference, reason: error.description)
        }
        return values
    }

    /// A gray image paired with an RGB one is repeated to R = G = B (alpha dropped), as BasicSR's test pipeline
    /// reads every file in colour; any other pair is returned as is.
    static func sameColourLayout(_ a: Image, _ b: Image) throws -> (Image, Image) {
        func rgb(_ gray: Image) throws -> Image {
            let plane = gray.channel(0).samples
            return try Image(width: gray.width, height: gray.height, channels: 3, samples: plane + plane + plane)
        }
        switch (a.colourChannels, b.colourChannels) {
        case (1, 3): return (try rgb(a), b)
        case (3, 1): return (a, try rgb(b))
        default: return (a, b)
        }
    }

    /// The images at `paths`, in order, decoded on all cores at once (``ConcurrentItems``) with the options'
    /// decoding rules, as the evaluation reads them.
    /// - Throws: ``EvaluationError/unreadableImage(_:)`` for the first file in order that cannot be decoded.
    public func images(at paths: [String]) throws -> [Image] {
        try ConcurrentItems.map(paths.count) { try load(paths[$0]) }
    }

    func load(_ path: String) throws -> Image {
        do {
            return try Image(contentsOf: path, options: options.decode)
        } catch let error as ImagingError {
            throw EvaluationError.unreadableImage(error)
        }
    }

    /// The image files of a folder keyed by stem, and the regular files that are not images by extension.
    static func imageFiles(in directory: String) throws -> (byStem: [String: String], skipped: [String]) {
        let listing: (images: [String], skipped: [String])
        do {
            listing = try ImageFolder.list(directory)
        } catch .missing {
            throw EvaluationError.notADirectory(directory, reason: "no such folder")
        } catch .notAFolder {
            throw EvaluationError.notADirectory(directory, reason: "is a file, not a folder")
        } catch {
            throw EvaluationError.notADirectory(directory, reason: "cannot be listed")
        }
        var byStem: [String: String] = [:]
        for path in listing.images {
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            if let existing = byStem[stem] {
                throw EvaluationError.ambiguousStem(stem: stem, paths: [existing, path])
            }
            byStem[stem] = path
        }
        guard !byStem.isEmpty else { throw EvaluationError.noImages(directory) }
        return (byStem, listing.skipped)
    }
}

/// Why an evaluation could not run; every message names the folder or files concerned.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A folder argument is missing, is a file, or cannot be listed.
    case notADirectory(String, reason: String)
    /// A folder holds no `.png`, `.jpg`/`.jpeg` or `.webp` file.
    case noImages(String)
    /// Two files of one folder share a stem (e.g. `x.png` and `x.jpg`), so pairing by stem is ambiguous.
    case ambiguousStem(stem: String, paths: [String])
    /// Some files have no partner and ``Evaluator/Options/allowUnpaired`` is off.
    case unpaired(restoredOnly: [String], referenceOnly: [String])
    /// No stem appears in both folders.
    case noPairs(restoredDirectory: String, referenceDirectory: String)
    /// A file could not be read or decoded (the error names the file).
    case unreadableImage(ImagingError)
    /// An image or pair could not be scored (size or channel mismatch, crop too large, image too small).
    case pairFailed(restoredPath: String, referencePath: String?, reason: String)
    /// Full-reference metrics were asked for without a reference folder.
    case referenceRequired([String])
    /// No metric was asked for.
    case noMetrics
    /// A metric's data file is not available (the text names it).
    case missingMetricData(String)
    /// A learned metric was asked for without its networks in ``Evaluator/Options/learned``.
    case learnedMetricNotLoaded(String)
    /// FID or KID could not be computed over the sets (too few images, a non-finite value); the reason says why.
    case setLevelFailed(String)
    /// An option of the evaluation is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .notADirectory(path, reason):
            return "\(path): \(reason) (--restored and --reference name folders of images)"
        case let .noImages(path):
            return "\(path): contains no .png, .jpg, .jpeg or .webp files"
        case let .ambiguousStem(stem, paths):
            return "two files share the name '\(stem)' and cannot be paired unambiguously: \(paths.joined(separator: ", "))"
        case let .unpaired(restoredOnly, referenceOnly):
            var lines = ["\(restoredOnly.count + referenceOnly.count) file(s) have no partner (pairing is by file name "
                + "without extension; pass --allow-unpaired to score the pairs that exist):"]
            lines += restoredOnly.map { "  restored only:  \($0)" }
            lines += referenceOnly.map { "  reference only: \($0)" }
            return lines.joined(separator: "\n")
        case let .noPairs(a, b):
            return "no file name (without extension) appears in both \(a) and \(b)"
        case let .unreadableImage(error):
            return error.description
        case let .pairFailed(restoredPath, referencePath?, reason):
            return "\(restoredPath) vs \(referencePath): \(reason)"
        case let .pairFailed(restoredPath, nil, reason):
            return "\(restoredPath): \(reason)"
        case let .referenceRequired(metrics):
            return "\(metrics.joined(separator: ", ")) compare against references: give --reference (a folder of ground-truth images)"
        case .noMetrics:
            return "no metric to compute"
        case let .missingMetricData(what):
            return "\(what) is not available (it ships in models/metrics/ with WildIR)"
        case let .learnedMetricNotLoaded(metric):
            return "\(metric) was asked for but its networks were not loaded (LearnedMetrics.load)"
        case let .setLevelFailed(reason):
            return reason
        case let .invalidOption(reason):
            return reason
        }
    }
}
