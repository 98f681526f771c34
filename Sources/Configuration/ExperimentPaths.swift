import Foundation

/// `path:` of a training run's options: where its outputs go, and the run name's rule.
public struct ExperimentPaths: Codable, Equatable, Sendable {
    /// Folder for checkpoints, model, log and curves (default `experiments/<name>`).
    public var experiments: String?

    public init(experiments: String? = nil) { self.experiments = experiments }

    enum CodingKeys: String, CodingKey { case experiments }

    /// The experiment folder of run `name`.
    public func directory(name: String) -> URL { URL(fileURLWithPath: experiments ?? "experiments/\(name)") }

    /// Checks that `name` is a plain name (it names a folder under `experiments/`).
    /// - Throws: ``OptionViolation`` at `name`.
    public static func checkName(_ name: String) throws {
        try OptionViolation.check(!name.isEmpty && !name.contains("/") && !name.contains("\\") && name != "." && name != "..", "name",
                                  "must be a plain name (no '/', not '.' or '..'), got '\(name)'; set path.experiments for another folder")
    }
}
