import Dispatch
import Foundation
import Parallelism

/// Turns a folder of clean photos into LQ/GT training pairs with a degradation pipeline, in the official
/// DACLIP-IR folder layout: `OUT/GT/name.png`, `OUT/LQ/name.png` and `OUT/manifest.jsonl` (one JSON record per
/// pair, with the degradation text).
///
/// Deterministic: every output has its own random stream from (seed, source file name, copy index), so results do
/// not depend on `jobs` or on processing order; the manifest is rewritten sorted by name at the end. Resumable:
/// pairs already in the manifest whose two files exist are skipped; files are written atomically and a pair enters
/// the manifest only after both files are complete. A bad input is reported and does not stop the batch.
///
/// Safe to point at the wrong folder: the output folder records the settings that made it (`run.json`), and a run
/// with other settings is refused; two sources that would write the same pair (`x.png` and `x.jpg`) are refused
/// before anything is written; files in `GT/` or `LQ/` that no run of this folder made are never replaced; and the
/// folder is locked while a run writes to it, so a second process is refused instead of interleaving its pairs.
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

    /// The most degraded copies per photo a run makes.
    public static let maximumCopies = 10_000

    public init(options: Options) { self.options = options }

    /// Degrades every image of `input` into `output`; `progress(done, total)` is called after each source image.
    /// - Throws: ``DatasetError`` when the folders cannot be used (a bad image is a failure in the summary instead).
    public func run(input: String, output: String, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in })
        throws -> Summary {
        guard (1...Self.maximumCopies).contains(options.copies) else {
            throw DatasetError.invalidOption("copies must lie in 1…\(Self.maximumCopies), got \(options.copies)")
        }
        if let crop = options.crop, !(8...65536).contains(crop) {
            throw DatasetError.invalidOption("crop must lie in 8…65536, got \(crop)")
        }
        let sources = try Self.imageFiles(in: input)
        let collisions = Dictionary(grouping: sources) { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            .filter { $0.value.count > 1 }
        if !collisions.isEmpty { throw DatasetError.collidingNames(collisions) }
        let manager = FileManager.default
        let root = URL(fileURLWithPath: output)
        let gt = root.appendingPathComponent("GT"), lq = root.appendingPathComponent("LQ")
        do {
            for dir in [gt, lq] { try manager.createDirectory(at: dir, withIntermediateDirectories: true) }
        } catch {
            throw DatasetError.unwritable(output, error.localizedDescription)
        }
        let lock: FolderLock
        do { lock = try FolderLock(folder: output) } catch { throw DatasetError.busy("\(error)") }
        defer { lock.release() }
        let manifestURL = root.appendingPathComponent("manifest.jsonl")
        let manifest = Self.readManifest(manifestURL)
        let record = try DegradationRun(options)
        let recordURL = root.appendingPathComponent(DegradationRun.fileName)
        if let previous = try DegradationRun.read(recordURL) {
            let differences = record.differences(from: previous)
            if !differences.isEmpty { throw DatasetError.settingsChanged(output, differences) }
        } else {
            // A folder from before run records existed: its manifest says which seed and pipeline made it.
            let foreign = manifest.filter { $0.seed != self.options.seed || $0.pipeline != self.options.pipeline.name.rawValue }
            if let entry = foreign.first {
                throw DatasetError.settingsChanged(output, ["the manifest's pairs were made with seed \(entry.seed) and pipeline "
                                                            + "\(entry.pipeline), this run asks for seed \(self.options.seed) and \(self.options.pipeline.name.rawValue)"])
            }
            // Files no run of this folder wrote are the user's: refuse rather than replace them.
            let known = Set(manifest.map(\.name))
            let targets = Set(sources.flatMap { Self.pairNames(source: $0, copies: self.options.copies) })
            let stray = [gt, lq].flatMap { folder in
                ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { targets.contains($0) && !known.contains($0) }
                    .map { folder.appendingPathComponent($0).path }
            }
            if !stray.isEmpty { throw DatasetError.foreignFiles(output, stray.sorted()) }
            try record.write(to: recordURL)
        }
        let state = RunState(existing: manifest.filter {
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
        let names = pairNames(source: source, copies: options.copies)
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

    /// The pair file names of a source: `stem.png`, or `stem_0.png`, `stem_1.png`, … for several copies.
    static func pairNames(source: String, copies: Int) -> [String] {
        let stem = URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent
        return (0..<copies).map { copies == 1 ? "\(stem).png" : "\(stem)_\($0).png" }
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
    case invalidOption(String)
    /// Sources whose pairs would have the same name (`x.png` and `x.jpg` both give `x.png`).
    case collidingNames([String: [String]])
    /// The output folder was made with other settings; what differs.
    case settingsChanged(String, [String])
    /// Files in `GT/` or `LQ/` that no run of this folder wrote.
    case foreignFiles(String, [String])
    /// Another process is writing to the folder.
    case busy(String)
    case unreadableRecord(String, String)

    public var description: String {
        switch self {
        case let .invalidOption(why): return "invalid option: \(why)"
        case let .collidingNames(map):
            let lines = map.keys.sorted().map { "  \($0).png ← \(map[$0]?.sorted().joined(separator: ", ") ?? "")" }
            return "several photos would write the same pair, and one would replace the other:\n" + lines.joined(separator: "\n")
                + "\nrename them, or degrade them into separate folders"
        case let .settingsChanged(path, differences):
            return "\(path) was made by a run with other settings, and resuming would mix the two:\n"
                + differences.map { "  \($0)" }.joined(separator: "\n") + "\nuse another output folder, or the folder's settings to resume"
        case let .foreignFiles(path, files):
            let shown = files.prefix(10).map { "  \($0)" }.joined(separator: "\n")
            return "\(path) holds files that no degrade run of this folder wrote, and they would be replaced:\n\(shown)"
                + (files.count > 10 ? "\n  … and \(files.count - 10) more" : "") + "\nuse an empty or new output folder"
        case let .busy(why): return why
        case let .unreadableRecord(path, why): return "\(path): not a degrade run record: \(why)"
        case let .notADirectory(path): return "\(path): not a readable directory"
        case let .noImages(path): return "\(path): contains no .png, .jpg, .jpeg or .webp files"
        case let .unwritable(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
