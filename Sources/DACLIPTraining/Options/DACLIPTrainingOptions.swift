import Configuration
import Foundation

/// A robust DA-CLIP training run's options (DACLIP-IR §3.3 and §4; the official DA-CLIP training script's
/// settings where it has them), read from YAML through the one options loader (``ConfigurationLoader``): anything
/// left out keeps its default, unknown keys and out-of-range values are errors naming the key path.
///
/// ```yaml
/// name: daclip-tiny
/// data: {dataroot: data/photos, crop_size: 64, degradation: wild}
/// model: {config: daclip_ViT-B-32, pretrained: open_clip_pytorch_model.bin}
/// train: {lr: 2.0e-5, weight_decay: 0.05, warmup: 100, iterations: 1000, batch_size: 64}
/// validation: {dataroot: data/validation, count: 200}
/// ```
public struct DACLIPTrainingOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Run name; outputs go to `experiments/<name>/` unless `path.experiments` says otherwise. A name, not a path.
    public var name = "daclip"
    public var data = DACLIPDataOptions()
    public var model = DACLIPModelOptions()
    public var train = DACLIPOptimisationOptions()
    /// Zero-shot degradation classification of held-out photos (none when absent).
    public var validation: DACLIPValidationOptions?
    public var path = Paths()

    /// `path:`.
    public struct Paths: Codable, Equatable, Sendable {
        /// Folder for checkpoints, model, log and curves (default `experiments/<name>`).
        public var experiments: String?

        enum CodingKeys: String, CodingKey { case experiments }
    }

    public init() {}

    public static var defaults: DACLIPTrainingOptions { DACLIPTrainingOptions() }

    /// Parses YAML over the defaults; `file` names the source in errors.
    /// - Throws: ``ConfigurationError`` naming the key path.
    public init(yaml text: String, file: String = "<options>") throws {
        self = try ConfigurationLoader.load(DACLIPTrainingOptions.self, yaml: text, source: file)
    }

    /// Reads a YAML options file.
    /// - Throws: ``ConfigurationError`` naming the file and key path.
    public init(contentsOf url: URL) throws {
        self = try ConfigurationLoader.load(DACLIPTrainingOptions.self, contentsOf: url.path)
    }

    /// The experiment folder.
    public var directory: URL { URL(fileURLWithPath: path.experiments ?? "experiments/\(name)") }

    /// Range checks, each naming its key path. Files (photos, captions, model configuration, weights) are checked by
    /// ``DACLIPTrainingPlan``.
    public func validate() throws {
        typealias V = OptionViolation
        try V.check(!name.isEmpty && !name.contains("/") && !name.contains("\\") && name != "." && name != "..", "name",
                    "must be a plain name (no '/', not '.' or '..'), got '\(name)'; set path.experiments for another folder")
        try V.within("data") { try data.validate() }
        try V.within("model") { try model.validate() }
        try V.within("train") { try train.validate() }
        if let validation { try V.within("validation") { try validation.validate() } }
    }
}
