import Foundation

/// Scores a folder of restored images against a folder of references with PSNR and SSIM (BasicSR conventions).
///
/// Files pair by **stem**: `restored/0801.png` pairs with `reference/0801.png` or `reference/0801.jpg`, so outputs
/// in another format still pair. Only `.png`, `.jpg`, `.jpeg` and `.webp` files take part; hidden files are ignored.
public struct Evaluator: Sendable {
    /// Options of an evaluation.
    public struct Options: Sendable, Equatable {
        /// Crop and Y-channel choice, applied to both metrics.
        public var region: ComparisonRegion
        /// Score the pairs that exist and list the unpaired files, instead of failing on them.
        public var allowUnpaired: Bool
        /// Decoding limits for both folders.
        public var decode: DecodeOptions

        public init(region: ComparisonRegion = ComparisonRegion(), allowUnpaired: Bool = false, decode: DecodeOptions = .default) {
            self.region = region
            self.allowUnpaired = allowUnpaired
            self.decode = decode
        }
    }

    /// The scores of one pair.
    public struct Score: Sendable, Equatable {
        public let name: String
        public let restoredPath: String
        public let referencePath: String
        /// Decibels; `+infinity` for identical images.
        public let psnr: Double
        public let ssim: Double
    }

    /// The result of an evaluation.
    public struct Report: Sendable, Equatable {
        public let scores: [Score]
        /// Restored files with no reference, and references with no restored file (empty unless `allowUnpaired`).
        public let unpairedRestored: [String]
        public let unpairedReference: [String]
        public let options: Options

        /// Mean PSNR over the pairs (`+infinity` if any pair is identical).
        public var meanPSNR: Double { scores.map(\.psnr).reduce(0, +) / Double(max(scores.count, 1)) }
        /// Mean SSIM over the pairs.
        public var meanSSIM: Double { scores.map(\.ssim).reduce(0, +) / Double(max(scores.count, 1)) }
    }

    public var options: Options

    public init(options: Options = Options()) { self.options = options }

    /// Pairs the two folders and scores every pair, calling `progress(done, total)` after each.
    /// - Throws: ``EvaluationError`` for folder problems, unpaired or ambiguous files, size mismatches and images
    ///   that cannot be decoded (naming the file).
    public func evaluate(restoredDirectory: String, referenceDirectory: String,
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> Report {
        let restored = try Self.imageFiles(in: restoredDirectory)
        let reference = try Self.imageFiles(in: referenceDirectory)
        let names = Set(restored.keys).intersection(reference.keys).sorted()
        let onlyRestored = restored.keys.filter { reference[$0] == nil }.sorted().compactMap { restored[$0] }
        let onlyReference = reference.keys.filter { restored[$0] == nil }.sorted().compactMap { reference[$0] }
        if !options.allowUnpaired, !onlyRestored.isEmpty || !onlyReference.isEmpty {
            throw EvaluationError.unpaired(restoredOnly: onlyRestored, referenceOnly: onlyReference)
        }
        guard !names.isEmpty else {
            throw EvaluationError.noPairs(restoredDirectory: restoredDirectory, referenceDirectory: referenceDirectory)
        }
        let psnr = PSNR(region: options.region), ssim = SSIM(region: options.region)
        var scores: [Score] = []
        for (i, name) in names.enumerated() {
            guard let restoredPath = restored[name], let referencePath = reference[name] else { continue }
            let a = try load(restoredPath), b = try load(referencePath)
            do {
                scores.append(Score(name: name, restoredPath: restoredPath, referencePath: referencePath,
                                    psnr: try psnr.evaluate(restored: a, reference: b),
                                    ssim: try ssim.evaluate(restored: a, reference: b)))
            } catch let error as MetricsError {
                throw EvaluationError.pairFailed(restoredPath: restoredPath, referencePath: referencePath, reason: error.description)
            }
            progress(i + 1, names.count)
        }
        return Report(scores: scores, unpairedRestored: onlyRestored, unpairedReference: onlyReference, options: options)
    }

    private func load(_ path: String) throws -> Image {
        do {
            return try Image(contentsOf: path, options: options.decode)
        } catch let error as ImagingError {
            throw EvaluationError.unreadableImage(error)
        }
    }

    /// Image files of a folder keyed by stem.
    static func imageFiles(in directory: String) throws -> [String: String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EvaluationError.notADirectory(directory)
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw EvaluationError.notADirectory(directory)
        }
        var byStem: [String: String] = [:]
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(entry)
            guard ImageFormat(fileExtension: url.pathExtension) != nil else { continue }
            let stem = url.deletingPathExtension().lastPathComponent
            if let existing = byStem[stem] {
                throw EvaluationError.ambiguousStem(stem: stem, paths: [existing, url.path])
            }
            byStem[stem] = url.path
        }
        guard !byStem.isEmpty else { throw EvaluationError.noImages(directory) }
        return byStem
    }
}

/// Why an evaluation could not run.
public enum EvaluationError: Error, CustomStringConvertible, Equatable, Sendable {
    case notADirectory(String)
    case noImages(String)
    case ambiguousStem(stem: String, paths: [String])
    case unpaired(restoredOnly: [String], referenceOnly: [String])
    case noPairs(restoredDirectory: String, referenceDirectory: String)
    case unreadableImage(ImagingError)
    case pairFailed(restoredPath: String, referencePath: String, reason: String)

    public var description: String {
        switch self {
        case let .notADirectory(path):
            return "\(path): not a readable directory"
        case let .noImages(path):
            return "\(path): contains no .png, .jpg, .jpeg or .webp files"
        case let .ambiguousStem(stem, paths):
            return "two files share the name '\(stem)' and cannot be paired unambiguously: \(paths.joined(separator: ", "))"
        case let .unpaired(restoredOnly, referenceOnly):
            var lines = ["some files have no partner (pairing is by file name without extension; "
                + "pass --allow-unpaired to score the pairs that exist):"]
            lines += restoredOnly.map { "  restored only:  \($0)" }
            lines += referenceOnly.map { "  reference only: \($0)" }
            return lines.joined(separator: "\n")
        case let .noPairs(a, b):
            return "no file name appears in both \(a) and \(b)"
        case let .unreadableImage(error):
            return error.description
        case let .pairFailed(restoredPath, referencePath, reason):
            return "\(restoredPath) vs \(referencePath): \(reason)"
        }
    }
}
