import Foundation

/// Finds the weight files of the learned metrics without downloading anything.
///
/// In order: a path given for the name (``overrides``, `--weights NAME=PATH`); then, for torchvision's trunks,
/// PyTorch's download cache as `torch.hub` resolves it — `$TORCH_HOME/hub/checkpoints`, else
/// `$XDG_CACHE_HOME/torch/hub/checkpoints`, else `~/.cache/torch/hub/checkpoints` (`torch/hub.py`,
/// `_get_torch_home`) — all three searched in that order, so a file any PyTorch installation downloaded is found
/// (pytorch-fid's Inception is cached there too, by `load_state_dict_from_url`);
/// for the bundled LPIPS and DISTS layers, `metrics/` in each of ``bundledFolders`` (WildIR's `models/` folders).
/// A missing file is an error naming it, every place looked in and where the file comes from.
public struct MetricWeightsLocator: Sendable, Equatable {
    /// Paths given explicitly, by name; they win over every folder.
    public var overrides: [MetricWeights: String]
    /// The environment read for `TORCH_HOME`, `XDG_CACHE_HOME` and `HOME`.
    public var environment: [String: String]
    /// WildIR's `models/` folders, most preferred first (the CLI passes `ModelLocator`'s).
    public var bundledFolders: [URL]

    /// A locator over `environment` (default: this process's) and the given bundled `models/` folders.
    public init(overrides: [MetricWeights: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
                bundledFolders: [URL] = []) {
        self.overrides = overrides
        self.environment = environment
        self.bundledFolders = bundledFolders
    }

    /// The folders searched for torchvision's files, in order, each with the rule it comes from.
    public var torchCheckpointFolders: [(folder: URL, rule: String)] {
        var out: [(URL, String)] = []
        func add(_ base: String?, _ suffix: String, _ rule: String) {
            guard let base, !base.isEmpty else { return }
            let folder = URL(fileURLWithPath: expandingTilde(base)).appendingPathComponent(suffix).standardizedFileURL
            if !out.contains(where: { $0.0 == folder }) { out.append((folder, rule)) }
        }
        add(environment["TORCH_HOME"], "hub/checkpoints", "$TORCH_HOME/hub/checkpoints")
        add(environment["XDG_CACHE_HOME"], "torch/hub/checkpoints", "$XDG_CACHE_HOME/torch/hub/checkpoints")
        add(environment["HOME"] ?? NSHomeDirectory(), ".cache/torch/hub/checkpoints", "~/.cache/torch/hub/checkpoints")
        return out
    }

    /// The places `weights` is looked for, in order (the override first, when given).
    public func candidates(for weights: MetricWeights) -> [(file: URL, rule: String)] {
        var out: [(URL, String)] = []
        if let path = overrides[weights] { out.append((URL(fileURLWithPath: expandingTilde(path)), "--weights \(weights.rawValue)=")) }
        if weights.isTorchHubFile {
            out += torchCheckpointFolders.map { ($0.folder.appendingPathComponent(weights.fileName), $0.rule) }
        } else {
            out += bundledFolders.map { ($0.appendingPathComponent("metrics").appendingPathComponent(weights.fileName), "WildIR models/metrics") }
        }
        return out
    }

    /// The file of `weights`: the override when given (which must exist: a wrong path is not silently replaced by
    /// a cached file), else the first existing candidate.
    /// - Throws: ``MetricsError/weightsNotFound(weights:file:searched:remedy:)``.
    public func locate(_ weights: MetricWeights) throws -> URL {
        let candidates = candidates(for: weights)
        if overrides[weights] != nil, let given = candidates.first {
            guard FileManager.default.fileExists(atPath: given.file.path) else {
                throw MetricsError.weightsNotFound(weights: weights.rawValue, file: weights.fileName,
                                                   searched: ["\(given.file.path) (--weights \(weights.rawValue)=…): no such file"],
                                                   remedy: weights.remedy)
            }
            return given.file
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.file.path) }) { return found.file }
        throw MetricsError.weightsNotFound(weights: weights.rawValue, file: weights.fileName,
                                           searched: candidates.map { "\($0.file.deletingLastPathComponent().path) (\($0.rule))" },
                                           remedy: weights.remedy)
    }

    /// `~` and `~/…` as the home folder (Python's `os.path.expanduser`, which torch applies to `TORCH_HOME`).
    func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + path.dropFirst()
    }
}
