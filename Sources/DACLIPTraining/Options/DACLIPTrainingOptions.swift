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
public struct DACLIPTrainingOptions: OptionsFile, Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Run name; outputs go to `experiments/<name>/` unless `path.experiments` says otherwise. A name, not a path.
    public var name = "daclip"
    public var data = DACLIPDataOptions()
    public var model = DACLIPModelOptions()
    public var train = DACLIPOptimisationOptions()
    /// Zero-shot degradation classification of held-out photos (none when absent).
    public var validation: DACLIPValidationOptions?
    public var path = Paths()

    /// `path:`.
    public typealias Paths = ExperimentPaths

    public init() {}

    public static var defaults: DACLIPTrainingOptions { DACLIPTrainingOptions() }

    /// The experiment folder.
    public var directory: URL { path.directory(name: name) }

    /// Range checks, each naming its key path. Files (photos, captions, model configuration, weights) are checked by
    /// ``DACLIPTrainingPlan``.
    public func validate() throws {
        typealias V = OptionViolation
        try ExperimentPaths.checkName(name)
        try V.within("data") { try data.validate() }
        try V.within("model") { try model.validate() }
        try V.within("train") { try train.validate() }
        if let validation { try V.within("validation") { try validation.validate() } }
    }
}
