import Configuration
import Degradation

/// `data:`: where training samples come from and how their LQ images and texts are made.
///
/// Each sample is a random `crop_size` square of an HQ photo (shrunk first by one of `scales`), its LQ from the
/// degradation pipeline (`wild` by default, whose record gives the degradation words), optionally the robust
/// DA-CLIP's mild augmentation on the LQ (`mild`), both resized to the model's image size.
public struct DACLIPDataOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Folder of HQ photos.
    public var dataroot = "data/photos"
    /// Optional captions file: one `name<TAB>caption` line per photo (name with or without its extension). Without
    /// it the caption term of the loss is left out.
    public var captions: String?
    /// Side of the HQ crop, pixels (resized to the model's `image_size` when different).
    public var cropSize = 224
    /// Factors by which each photo is shrunk (area filter) before cropping; each (photo, scale) is drawn equally
    /// often. Small factors put whole objects and edges in a crop of a large photo.
    public var scales: [Double] = [1]
    /// The pipeline that makes the LQ image and its degradation words (it must keep the size).
    public var degradation: DegradationPipelineName = .wild
    /// The pipeline's settings over its published defaults: a YAML file path or an inline mapping.
    public var degradationConfig: ConfigurationValue?
    /// The robust DA-CLIP's augmentation (paper §4).
    public var mild = MildAugmentation()
    /// Probability that a sample is left clean (LQ = HQ crop, text "an image with no degradation").
    public var cleanProbability = 0.0
    /// Mirror the HQ crop horizontally with probability ½ (before degrading).
    public var useFlip = true

    /// `data.mild`: DACLIP-IR §4 adds "mild degradations such as noise, resize, and JPEG compression (first part
    /// of the degradation pipeline)" to the LQ images as data augmentation (``MildPipeline``).
    public struct MildAugmentation: Codable, Equatable, Sendable, DefaultedOptions {
        public var enabled = false
        /// Probability that a sample's LQ is augmented.
        public var probability = 1.0
        /// Whether the augmentation's words join the degradation text.
        public var text: MildText = .merged
        /// ``MildPipeline`` settings over its defaults: a YAML file path or an inline mapping.
        public var settings: ConfigurationValue?

        public init() {}

        public static var defaults: MildAugmentation { MildAugmentation() }

        enum CodingKeys: String, CodingKey { case enabled, probability, text, settings }
    }

    /// What the mild augmentation does to the degradation text.
    public enum MildText: String, NamedOption, Codable, Sendable {
        /// Its words ('noise', 'jpeg block', 'blur' for a resize) join the sample's words: in the wild setting the
        /// augmentation is made of the same degradations the text names, and an LQ image with visible noise that
        /// the text calls noise-free would teach the controller to ignore noise.
        case merged
        /// The text keeps the pipeline's words only: the paper's unified setting, where the augmentation is a
        /// nuisance on top of the labelled task ("rain", "snow", …) that the controller should learn to look past.
        case unchanged
    }

    public init() {}

    public static var defaults: DACLIPDataOptions { DACLIPDataOptions() }

    enum CodingKeys: String, CodingKey {
        case dataroot, captions, cropSize = "crop_size", scales, degradation, degradationConfig = "degradation_config"
        case mild, cleanProbability = "clean_probability", useFlip = "use_flip"
    }

    public func validate() throws {
        typealias V = OptionViolation
        try V.check(!dataroot.isEmpty, "dataroot", "must name a folder of photos")
        try V.check((8...4096).contains(cropSize), "crop_size", "must lie in 8…4096, got \(cropSize)")
        try V.check(!scales.isEmpty && scales.count <= 16 && scales.allSatisfy { $0 > 0 && $0 <= 1 }, "scales",
                    "must be a list of 1…16 factors in (0, 1], got \(scales)")
        try V.check((0...1).contains(cleanProbability), "clean_probability", "must lie in [0, 1], got \(cleanProbability)")
        try V.check((0...1).contains(mild.probability), "mild.probability", "must lie in [0, 1], got \(mild.probability)")
        try V.check(mild.enabled || mild.settings == nil, "mild.settings", "needs mild.enabled: true")
    }

    /// The degradation pipeline these options describe; `file` names the options file in errors.
    /// - Throws: ``ConfigurationError`` for bad settings, ``DACLIPTrainingError/invalidOptions(_:_:)`` for a pipeline
    ///   that changes the size.
    public func pipeline(file: String) throws -> DegradationPipeline {
        try pipeline(settings: degradationConfig, file: file, key: "data.degradation_config")
    }

    /// `data.degradation` with other settings (`key` names them in errors), such as the validation's.
    /// - Throws: ``ConfigurationError`` for bad settings, ``DACLIPTrainingError/invalidOptions(_:_:)`` for a pipeline
    ///   that changes the size.
    public func pipeline(settings: ConfigurationValue?, file: String, key: String) throws -> DegradationPipeline {
        let pipeline = try Self.pipeline(degradation, settings: settings, file: file, key: key)
        guard pipeline.scale == 1 else {
            throw DACLIPTrainingError.invalidOptions(file, "data.degradation must keep the size (scale 1): the LQ and HQ "
                                                     + "crops are encoded at the same size")
        }
        return pipeline
    }

    /// The mild augmentation, when enabled.
    public func mildPipeline(file: String) throws -> MildPipeline? {
        guard mild.enabled else { return nil }
        guard case let .mild(pipeline) = try Self.pipeline(.mild, settings: mild.settings, file: file, key: "data.mild.settings") else {
            return nil
        }
        return pipeline
    }

    private static func pipeline(_ name: DegradationPipelineName, settings: ConfigurationValue?, file: String,
                                 key: String) throws -> DegradationPipeline {
        switch settings {
        case nil:
            return try DegradationPipeline(name, source: file)
        case let .scalar(path)?:
            let tree = try ConfigurationValue.parse(yaml: try ConfigurationLoader.text(contentsOf: path), source: path)
            return try DegradationPipeline(name, settings: tree, source: path)
        case let settings?:
            return try DegradationPipeline(name, settings: settings, source: "\(file): \(key)")
        }
    }
}
