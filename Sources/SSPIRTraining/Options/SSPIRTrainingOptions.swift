import Configuration
import Foundation

/// An SSP-IR training run's options (Zhang et al., §III-D and §IV-A; the official `train.py`/`train.sh` settings
/// where they have them), read from YAML through the one options loader (``ConfigurationLoader``): anything left out
/// keeps its default, unknown keys and out-of-range values are errors naming the key path.
///
/// ```yaml
/// name: sspir
/// data: {dataroot: data/photos, captions: captions.tsv, crop_size: 512, degradation: realesrgan, scale: 4}
/// model: {stable_diffusion: v1-5-pruned-emaonly.safetensors, clip_vision: clip-vit-large-patch14}
/// train: {iterations: 100000, batch_size: 32}
/// validation: {dataroot: data/validation, count: 8}
/// ```
public struct SSPIRTrainingOptions: OptionsFile, Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Run name; outputs go to `experiments/<name>/` unless `path.experiments` says otherwise. A name, not a path.
    public var name = "sspir"
    public var data = SSPIRDataOptions()
    public var model = SSPIRModelOptions()
    public var train = SSPIROptimisationOptions()
    /// Held-out pairs measured during training (none when absent).
    public var validation: SSPIRValidationOptions?
    public var path = Paths()

    /// `path:`.
    public typealias Paths = ExperimentPaths

    public init() {}

    public static var defaults: SSPIRTrainingOptions { SSPIRTrainingOptions() }

    /// The experiment folder.
    public var directory: URL { path.directory(name: name) }

    /// Range checks, each naming its key path; files are checked by ``SSPIRTrainingPlan``.
    public func validate() throws {
        typealias V = OptionViolation
        try ExperimentPaths.checkName(name)
        try V.within("data") { try data.validate() }
        try V.within("model") { try model.validate() }
        try V.within("train") { try train.validate() }
        if let validation { try V.within("validation") { try validation.validate() } }
    }
}
