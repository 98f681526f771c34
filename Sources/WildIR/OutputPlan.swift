import Foundation

/// Where a batch command writes each input's results, settled before anything is written: two inputs that would
/// write the same file are refused (naming them), and so are files that already exist — an input among them —
/// unless overwriting was asked for. Nothing the user has is replaced by surprise.
public struct OutputPlan: Sendable, Equatable {
    /// One input and the files it will write, in order.
    public struct Entry: Sendable, Equatable {
        public let input: String
        public let outputs: [String]
    }

    public let entries: [Entry]

    /// Plans `outputs(input)` (paths) for every input.
    /// - Throws: ``OutputPlanError/collisions(_:)`` when two inputs map to one output,
    ///   ``OutputPlanError/existing(_:)`` when an output exists and `overwrite` is false.
    public init(inputs: [String], overwrite: Bool, outputs: (String) -> [String]) throws {
        entries = inputs.map { Entry(input: $0, outputs: outputs($0)) }
        var writers: [String: [String]] = [:]
        for entry in entries {
            for output in entry.outputs { writers[Self.canonical(output), default: []].append(entry.input) }
        }
        let collisions = writers.filter { $0.value.count > 1 }
        if !collisions.isEmpty { throw OutputPlanError.collisions(collisions.mapValues { $0 }) }
        if !overwrite {
            let existing = entries.flatMap(\.outputs).filter { FileManager.default.fileExists(atPath: $0) }
            if !existing.isEmpty { throw OutputPlanError.existing(existing) }
        }
    }

    /// The absolute, symbolic-link-free form of a path, so `./x.png` and `x.png` are one file.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// Why outputs could not be planned.
public enum OutputPlanError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Outputs that several inputs would write, with those inputs.
    case collisions([String: [String]])
    /// Outputs that exist already.
    case existing([String])

    public var description: String {
        switch self {
        case let .collisions(map):
            let lines = map.keys.sorted().map { "  \($0) ← \(map[$0]?.joined(separator: ", ") ?? "")" }
            return "several inputs would write the same file, and one would replace the other:\n" + lines.joined(separator: "\n")
                + "\nrestore them into separate folders, or rename them"
        case let .existing(paths):
            let shown = paths.prefix(10).map { "  \($0)" }.joined(separator: "\n")
            let more = paths.count > 10 ? "\n  … and \(paths.count - 10) more" : ""
            return "these files exist already and would be replaced:\n\(shown)\(more)\n"
                + "choose another output folder, or pass --overwrite to replace them"
        }
    }
}
