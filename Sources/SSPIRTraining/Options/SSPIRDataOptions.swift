import Configuration
import Degradation

/// `data:`: the training pairs. Each is a random `crop_size` square of an HQ photo (shrunk first by one of `scales`,
/// mirrored with probability ½), degraded by the pipeline at `scale` (Real-ESRGAN ×4 by default, as SSP-IR's
/// `make_paired_data.py` makes its pairs), the LQ brought back to the crop's size by bicubic interpolation (the
/// official `sr_bicubic` folder), and the photo's caption, replaced by "" with probability `caption_dropout`
/// (`paired_dataset.py:178-179`, `train.sh`: 0.5).
public struct SSPIRDataOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Folder of HQ photos.
    public var dataroot = "data/photos"
    /// Optional captions file: one `name<TAB>caption` line per photo (name with or without its extension). Without
    /// it every caption is "" (the text branch then sees only the empty prompt, as a dropped caption).
    public var captions: String?
    /// Side of the GT crop, pixels (a multiple of `scale` and of the networks' size multiple).
    public var cropSize = 512
    /// Factors by which each photo is shrunk (area filter) before cropping.
    public var scales: [Double] = [1]
    /// The pipeline that makes the LQ image.
    public var degradation: DegradationPipelineName = .realesrgan
    /// The pipeline's settings over its published defaults: a YAML file path or an inline mapping.
    public var degradationConfig: ConfigurationValue?
    /// The super-resolution factor of the Real-ESRGAN pipeline (1, 2 or 4); the ×1 pipelines ignore it.
    public var scale = 4
    /// Probability that a sample's caption is replaced by "".
    public var captionDropout = 0.5
    /// Mirror the HQ crop horizontally with probability ½ (before degrading).
    public var useFlip = true

    public init() {}

    public static var defaults: SSPIRDataOptions { SSPIRDataOptions() }

    enum CodingKeys: String, CodingKey {
        case dataroot, captions, cropSize = "crop_size", scales, degradation, degradationConfig = "degradation_config", scale
        case captionDropout = "caption_dropout", useFlip = "use_flip"
    }

    public func validate() throws {
        typealias V = OptionViolation
        try V.check(!dataroot.isEmpty, "dataroot", "must name a folder of photos")
        try V.check((8...4096).contains(cropSize), "crop_size", "must lie in 8…4096, got \(cropSize)")
        try V.check(!scales.isEmpty && scales.count <= 16 && scales.allSatisfy { $0 > 0 && $0 <= 1 }, "scales",
                    "must be a list of 1…16 factors in (0, 1], got \(scales)")
        try V.check([1, 2, 4].contains(scale), "scale", "must be 1, 2 or 4, got \(scale)")
        try V.check(cropSize % scale == 0, "crop_size", "must be a multiple of scale \(scale), got \(cropSize)")
        try V.check((0...1).contains(captionDropout), "caption_dropout", "must lie in [0, 1], got \(captionDropout)")
    }

    /// The degradation pipeline these options describe (`key` names its settings in errors).
    /// - Throws: ``ConfigurationError`` for bad settings.
    public func pipeline(settings: ConfigurationValue?, file: String, key: String = "data.degradation_config") throws -> DegradationPipeline {
        let factor = degradation == .realesrgan ? scale : 1
        switch settings {
        case nil:
            return try DegradationPipeline(degradation, scale: factor, source: file)
        case let .scalar(path)?:
            let tree = try ConfigurationValue.parse(yaml: try ConfigurationLoader.text(contentsOf: path), source: path)
            return try DegradationPipeline(degradation, settings: tree, scale: factor, source: path)
        case let settings?:
            return try DegradationPipeline(degradation, settings: settings, scale: factor, source: "\(file): \(key)")
        }
    }
}
