import Foundation

/// Scores a folder of restored images against a folder of references with PSNR and SSIM (BasicSR conventions:
/// `calculate_psnr` / `calculate_ssim` with `crop_border` and `test_y_channel`).
///
/// Files pair by **stem** (file name without extension): `restored/0801.png` pairs with `reference/0801.png` or
/// `reference/0801.jpg`, so outputs saved in another format still pair. Only `.png`, `.jpg`/`.jpeg` and `.webp`
/// files take part (extensions in any case); hidden files and subfolders are ignored, other files are listed in
/// ``Report/skipped``. Two files with the same stem in one folder are an error (the pairing would be a guess).
/// A gray file paired with an RGB one is compared as R = G = B, so scores do not depend on how a gray photo was
/// stored; alpha is ignored.
public struct Evaluator: Sendable {
    /// Options of an evaluation.
    public struct Options: Sendable, Equatable {
        /// Crop and Y-channel choice, applied to both metrics.
        public var region: ComparisonRegion
        /// Score the pairs that exist and list the unpaired files, instead of failing on them.
        public var allowUnpaired: Bool
        /// Decoding limits for both folders.
        public var decode: DecodeOptions

        /// Options with BasicSR's defaults (all channels, no crop), unpaired files fatal.
        public init(region: ComparisonRegion = ComparisonRegion(), allowUnpaired: Bool = false, decode: DecodeOptions = .default) {
            self.region = region
            self.allowUnpaired = allowUnpaired
            self.decode = decode
        }
    }

    /// The scores of one pair.
    public struct Score: Sendable, Equatable {
        /// The shared stem of the two files.
        public let name: String
        /// Path of the restored image.
        public let restoredPath: String
        /// Path of the reference image.
        public let referencePath: String
        /// PSNR in decibels; `+infinity` for identical images.
        public let psnr: Double
        /// SSIM, at most 1.
        public let ssim: Double
    }

    /// The result of an evaluation.
    public struct Report: Sendable, Equatable {
        /// One score per pair, sorted by name.
        public let scores: [Score]
        /// Restored files with no reference (empty unless ``Options/allowUnpaired``).
        public let unpairedRestored: [String]
        /// Reference files with no restored file (empty unless ``Options/allowUnpaired``).
        public let unpairedReference: [String]
        /// Files of either folder that are not images by their extension, so were not considered.
        public let skipped: [String]
        /// The options the scores were computed with.
        public let options: Options

        /// Mean PSNR over the pairs, in dB (`+infinity` if any pair is identical, as BasicSR's average would be).
        public var meanPSNR: Double { scores.map(\.psnr).reduce(0, +) / Double(max(scores.count, 1)) }
        /// Mean SSIM over the pairs.
        public var meanSSIM: Double { scores.map(\.ssim).reduce(0, +) / Double(max(scores.count, 1)) }
    }

    /// How the evaluation is done.
    public var options: Options

    /// An evaluator with `options`.
    public init(options: Options = Options()) { self.options = options }

    /// Pairs the two folders and scores every pair, calling `progress(done, total)` after each.
    /// - Throws: ``EvaluationError`` for missing or empty folders, unpaired or ambiguous files, size mismatches and
    ///   images that cannot be decoded (naming the files).
    public func evaluate(restoredDirectory: String, referenceDirectory: String,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let restored = try Self.imageFiles(in: restoredDirectory)
        let reference = try Self.imageFiles(in: referenceDirectory)
        let names = Set(restored.byStem.keys).intersection(reference.byStem.keys).sorted()
        let onlyRestored = restored.byStem.keys.filter { reference.byStem[$0] == nil }.sorted().compactMap { restored.byStem[$0] }
        let onlyReference = reference.byStem.keys.filter { restored.byStem[$0] == nil }.sorted().compactMap { reference.byStem[$0] }
        if !options.allowUnpaired, !onlyRestored.isEmpty || !onlyReference.isEmpty {
            throw EvaluationError.unpaired(restoredOnly: onlyRestored, referenceOnly: onlyReference)
        }
        guard !names.isEmpty else {
            throw EvaluationError.noPairs(restoredDirectory: restoredDirectory, referenceDirectory: referenceDirectory)
        }
        let psnr = PSNR(region: options.region), ssim = SSIM(region: options.region)
        var scores: [Score] = []
        for (i, name) in names.enumerated() {
            guard let restoredPath = restored.byStem[name], let referencePath = reference.byStem[name] else { continue }
            let (a, b) = try Self.sameColourLayout(load(restoredPath), load(referencePath))
            do {
                scores.append(Score(name: name, restoredPath: restoredPath, referencePath: referencePath,
                                    psnr: try psnr.evaluate(restored: a, reference: b),
                                    ssim: try ssim.evaluate(restored: a, reference: b)))
            } catch let error as MetricsError {
                throw EvaluationError.pairFailed(restoredPath: restoredPath, referencePath: referencePath, reason: error.description)
            }
            progress(i + 1, names.count)
        }
        return Report(scores: scores, unpairedRestored: onlyRestored, unpairedReference: onlyReference,
                      skipped: restored.skipped + reference.skipped, options: options)
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

    private func load(_ path: String) throws -> Image {
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
    /// A pair could not be scored (size or channel mismatch, crop too large).
    case pairFailed(restoredPath: String, referencePath: String, reason: String)

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
        case let .pairFailed(restoredPath, referencePath, reason):
            return "\(restoredPath) vs \(referencePath): \(reason)"
        }
    }
}
