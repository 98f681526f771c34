import Degradation
import Foundation

/// The settings that made an output folder of ``DatasetDegrader`` (`run.json` beside the manifest): pipeline,
/// scale, seed, copies, crop and the pipeline's full settings. Resuming into the folder with other settings would
/// mix pairs of two runs (a GT of one seed beside the LQ of another), so it is refused, naming what differs.
struct DegradationRun: Codable, Equatable {
    var tool = "wildir degrade"
    var version = WildIR.version
    var pipeline: String
    var scale: Int
    var seed: UInt64
    var copies: Int
    var crop: Int?
    /// The pipeline's settings, as its fields encode them.
    var settings: [String: ConfigurationValue]

    static let fileName = "run.json"

    init(_ options: DatasetDegrader.Options) throws {
        pipeline = options.pipeline.name.rawValue
        scale = options.pipeline.scale
        seed = options.seed
        copies = options.copies
        crop = options.crop
        let encoder = ConfigurationEncoder()
        let tree: ConfigurationValue
        switch options.pipeline {
        case let .wild(p): tree = try encoder.encode(p)
        case let .realESRGAN(p): tree = try encoder.encode(p)
        case let .mild(p): tree = try encoder.encode(p)
        }
        guard case let .mapping(map) = tree else { throw DatasetError.unwritable("run.json", "pipeline settings are not a mapping") }
        settings = map
    }

    /// What differs from `other` (the folder's record), in words; empty when a resume is safe.
    func differences(from other: DegradationRun) -> [String] {
        var out: [String] = []
        func compare<T: Equatable>(_ name: String, _ mine: T, _ theirs: T) {
            if mine != theirs { out.append("\(name): the folder has \(theirs), this run asks for \(mine)") }
        }
        compare("pipeline", pipeline, other.pipeline)
        compare("scale", scale, other.scale)
        compare("seed", seed, other.seed)
        compare("copies", copies, other.copies)
        compare("crop", crop.map(String.init) ?? "none", other.crop.map(String.init) ?? "none")
        let keys = Set(settings.keys).union(other.settings.keys).sorted()
        let changed = keys.filter { settings[$0] != other.settings[$0] }
        if !changed.isEmpty { out.append("pipeline settings differ in: \(changed.joined(separator: ", "))") }
        return out
    }

    /// The record of the folder at `url`, or nil when there is none.
    static func read(_ url: URL) throws -> DegradationRun? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do { return try JSONDecoder().decode(DegradationRun.self, from: data) } catch {
            throw DatasetError.unreadableRecord(url.path, "\(error)")
        }
    }

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do { try encoder.encode(self).write(to: url, options: .atomic) } catch {
            throw DatasetError.unwritable(url.path, error.localizedDescription)
        }
    }
}
