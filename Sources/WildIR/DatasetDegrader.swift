import Dispatch
import Foundation

/// Turns a folder of clean photos into LQ/GT training pairs with a degradation pipeline, in the official
/// DACLIP-IR folder layout: `OUT/GT/name.png`, `OUT/LQ/name.png` and `OUT/manifest.jsonl` (one JSON record per
/// pair, with the degradation text).
///
/// Deterministic: every output has its own random stream from (seed, source file name, copy index), so results do
/// not depend on `jobs` or on processing order; the manifest is rewritten sorted by name at the end. Resumable:
/// pairs already in the manifest whose two files exist are skipped; files are written atomically and a pair enters
/// the manifest only after both files are complete. A bad input is reported and does not stop the batch.
public struct DatasetDegrader: Sendable {
    /// Options of a run.
    public struct Options: Sendable {
        public var pipeline: DegradationPipeline
        public var seed: UInt64
        /// Degraded versions per source image (names get `_0`, `_1`, … when more than one).
        public var copies: Int
        /// Random square crop of this side before degrading (images smaller than it are used whole). Ground truths
        /// are also trimmed to a multiple of the pipeline's scale.
        public var crop: Int?
        /// Images processed concurrently.
        public var jobs: Int
        public var decode: DecodeOptions

        public init(pipeline: DegradationPipeline = .wild(WildPipeline()), seed: UInt64 = 0, copies: Int = 1, crop: Int? = nil,
                    jobs: Int = 1, decode: DecodeOptions = .default) {
            self.pipeline = pipeline
            self.seed = seed
            self.copies = copies
            self.crop = crop
            self.jobs = jobs
            self.decode = decode
        }
    }

    /// The result of a run.
    public struct Summary: Sendable {
        /// Pairs written by this run.
        public var written = 0
        /// Pairs found complete from an earlier run.
        public var skipped = 0
        /// Source files that could not be processed, with the reason.
        public var failures: [(path: String, reason: String)] = []
    }

    /// One manifest line.
    public struct ManifestEntry: Codable, Sendable, Equatable {
        public let name: String
        public let source: String
        public let copy: Int
        public let seed: UInt64
        public let pipeline: String
        public let text: String
        public let degradations: [String]
        public let operations: [DegradationRecord.Operation]
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Degrades every image of `input` into `output`; `progress(done, total)` is called after each source image.
    /// - Throws: ``DatasetError`` when the folders cannot be used (a bad image is a failure in the summary instead).
    public func run(input: String, output: String, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in })
        throws -> Summary {
        let sources = try Self.imageFiles(in: input)
        let manager = FileManager.default
        let gt = URL(fileURLWithPath: output).appendingPathComponent("GT"), lq = URL(fileURLWithPath: output).appendingPathComponent("LQ")
        do {
            for dir in [gt, lq] { try manager.createDirectory(at: dir, withIntermediateDirectories: true) }
        } catch {
            throw DatasetError.unwritable(output, error.localizedDescription)
        }
        let manifestURL = URL(fileURLWithPath: output).appendingPathComponent("manifest.jsonl")
        let state = RunState(existing: Self.readManifest(manifestURL).filter {
            manager.fileExists(atPath: gt.appendingPathComponent($0.name).path)
                && manager.fileExists(atPath: lq.appendingPathComponent($0.name).path)
        })
        // A torn last line from an interrupted run is dropped by rewriting the valid entries first.
        try Self.writeManifest(state.entries, to: manifestURL)
        let options = self.options
        let jobs = max(1, options.jobs)
        let queue = DispatchQueue(label: "wildir.degrade", attributes: .concurrent)
        let group = DispatchGroup()
        let slots = DispatchSemaphore(value: jobs)
        for source in sources {
            slots.wait()
            group.enter()
            queue.async {
                defer { slots.signal(); group.leave() }
                Self.process(source, options: options, gt: gt, lq: lq, manifest: manifestURL, state: state)
                progress(state.finishSource(), sources.count)
            }
        }
        group.wait()
        try Self.writeManifest(state.entries.sorted { $0.name < $1.name }, to: manifestURL)
        return state.summary
    }

    /// A contact sheet of the first source image of `input`: one ground truth (copy 0's crop) beside `count`
    /// degraded versions of it, each captioned with its degradation text. The first sample is exactly copy 0's LQ.
    public func preview(input: String, count: Int) throws -> Image {
        guard let source = try Self.imageFiles(in: input).first else { throw DatasetError.noImages(input) }
        let fileName = URL(fileURLWithPath: source).lastPathComponent
        let image = try Image(contentsOf: source, options: options.decode)
        var random = DegradationRandom(seed: options.seed, name: "\(fileName)#0")
        let clean = try Self.trimmed(try Self.cropped(image.droppingAlpha, to: options.crop, random: &random),
                                     toMultipleOf: options.pipeline.scale)
        var tiles: [ContactSheet.Tile] = []
        for sample in 0..<max(1, count) {
            if sample > 0 { random = DegradationRandom(seed: options.seed, name: "\(fileName)#preview\(sample)") }
            let (groundTruth, lq, record) = try options.pipeline.apply(clean, random: &random)
            if sample == 0 { tiles.append(.init(image: groundTruth, caption: "ground truth: \(fileName)")) }
            let shown = lq.width == groundTruth.width ? lq
                : try lq.resized(width: groundTruth.width, height: groundTruth.height, filter: .nearest)
            tiles.append(.init(image: shown, caption: record.text))
        }
        return try ContactSheet.render(tiles, renderer: try TextRenderer())
    }

    static func process(_ source: String, options: Options, gt: URL, lq: URL, manifest: URL, state: RunState) {
        let fileName = URL(fileURLWithPath: source).lastPathComponent
        let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        let names = (0..<options.copies).map { options.copies == 1 ? "\(stem).png" : "\(stem)_\($0).png" }
        if names.allSatisfy({ state.isDone($0) }) {
            state.skip(names.count)
            return
        }
        do {
            let image = try Image(contentsOf: source, options: options.decode)
            for (copy, name) in names.enumerated() where !state.isDone(name) {
                var random = DegradationRandom(seed: options.seed, name: "\(fileName)#\(copy)")
                let clean = try trimmed(try cropped(image.droppingAlpha, to: options.crop, random: &random),
                                        toMultipleOf: options.pipeline.scale)
                let (groundTruth, degraded, record) = try options.pipeline.apply(clean, random: &random)
                try groundTruth.write(to: gt.appendingPathComponent(name).path)
                try degraded.write(to: lq.appendingPathComponent(name).path)
                let entry = ManifestEntry(name: name, source: fileName, copy: copy, seed: options.seed,
                                          pipeline: options.pipeline.name.rawValue,
                                          text: record.text, degradations: record.degradationNames,
                                          operations: record.operations)
                try state.record(entry, appendingTo: manifest)
            }
        } catch {
            state.fail(source, "\(error)")
        }
    }

    /// A random `size × size` crop (position from the image's stream), or the image itself if it is smaller.
    static func cropped(_ image: Image, to size: Int?, random: inout DegradationRandom) throws -> Image {
        guard let size, image.width >= size, image.height >= size else { return image }
        let x = random.integer(in: 0...(image.width - size)), y = random.integer(in: 0...(image.height - size))
        return try image.cropped(x: x, y: y, width: size, height: size)
    }

    /// The top-left part whose sides are multiples of `scale` (so that LQ = GT / scale exactly).
    static func trimmed(_ image: Image, toMultipleOf scale: Int) throws -> Image {
        let (w, h) = (image.width / scale * scale, image.height / scale * scale)
        guard w > 0, h > 0 else { throw DegradationError.invalidParameter("image smaller than the scale \(scale)") }
        return w == image.width && h == image.height ? image : try image.cropped(x: 0, y: 0, width: w, height: h)
    }

    static func imageFiles(in directory: String) throws -> [String] {
        guard let images = try? ImageFolder.list(directory).images else { throw DatasetError.notADirectory(directory) }
        guard !images.isEmpty else { throw DatasetError.noImages(directory) }
        return images
    }

    static func readManifest(_ url: URL) -> [ManifestEntry] {
        guard let data = try? Data(contentsOf: url) else { return [] }
        let decoder = JSONDecoder()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? decoder.decode(ManifestEntry.self, from: Data($0.utf8))
        }
    }

    static func writeManifest(_ entries: [ManifestEntry], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = ""
        for entry in entries { text += String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n" }
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw DatasetError.unwritable(url.path, error.localizedDescription)
        }
    }
}

/// Shared, lock-protected bookkeeping of a run.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var done: [String: DatasetDegrader.ManifestEntry]
    private(set) var summary = DatasetDegrader.Summary()
    private var finished = 0

    init(existing: [DatasetDegrader.ManifestEntry]) {
        done = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    var entries: [DatasetDegrader.ManifestEntry] { lock.withLock { Array(done.values) } }
    func isDone(_ name: String) -> Bool { lock.withLock { done[name] != nil } }
    func skip(_ count: Int) { lock.withLock { summary.skipped += count } }
    func fail(_ path: String, _ reason: String) { lock.withLock { summary.failures.append((path, reason)) } }
    func finishSource() -> Int { lock.withLock { finished += 1; return finished } }

    /// Appends the entry to the manifest file (after its two images are complete) and remembers it.
    func record(_ entry: DatasetDegrader.ManifestEntry, appendingTo url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let line = Data((String(decoding: try encoder.encode(entry), as: UTF8.self) + "\n").utf8)
        try lock.withLock {
            guard let handle = try? FileHandle(forWritingTo: url) else {
                throw DatasetError.unwritable(url.path, "cannot append to the manifest")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            done[entry.name] = entry
            summary.written += 1
        }
    }
}

/// Why a degradation run could not start.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    case notADirectory(String)
    case noImages(String)
    case unwritable(String, String)

    public var description: String {
        switch self {
        case let .notADirectory(path): return "\(path): not a readable directory"
        case let .noImages(path): return "\(path): contains no .png, .jpg, .jpeg or .webp files"
        case let .unwritable(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
