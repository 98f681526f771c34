import Configuration
import Imaging

/// The pipelines by name, as written in options files (`datasets.train.degradation`), manifests and on the
/// command line (`--pipeline`).
public enum DegradationPipelineName: String, NamedOption, Codable, Sendable {
    /// DACLIP-IR's three-phase pipeline (``WildPipeline``).
    case wild
    /// Real-ESRGAN's second-order pipeline (``RealESRGANPipeline``).
    case realesrgan
    /// The robust DA-CLIP augmentation (``MildPipeline``).
    case mild
}

/// The pipelines a dataset can be generated with.
public enum DegradationPipeline: Sendable, Equatable {
    /// DACLIP-IR's three-phase pipeline (×1).
    case wild(WildPipeline)
    /// Real-ESRGAN's second-order pipeline (×1, ×2 or ×4).
    case realESRGAN(RealESRGANPipeline)
    /// The mild resize/noise/JPEG augmentation of the robust DA-CLIP (×1).
    case mild(MildPipeline)

    /// Pipeline `name` with `settings` over its published defaults: the fields of ``WildPipeline``,
    /// ``RealESRGANPipeline`` or ``MildPipeline`` (any subset; unknown keys and out-of-range values are errors
    /// that name `source`). `scale` is Real-ESRGAN's default scale, which `settings` may override.
    public init(_ name: DegradationPipelineName, settings: ConfigurationValue = .mapping([:]), scale: Int = 1,
                source: String) throws {
        switch name {
        case .wild: self = .wild(try ConfigurationLoader.decode(WildPipeline.self, from: settings, source: source))
        case .mild: self = .mild(try ConfigurationLoader.decode(MildPipeline.self, from: settings, source: source))
        case .realesrgan:
            let tree = ConfigurationValue.mapping(["scale": .scalar("\(scale)")]).overlaid(with: settings)
            self = .realESRGAN(try ConfigurationLoader.decode(RealESRGANPipeline.self, from: tree, source: source))
        }
    }

    /// The name used on the command line, in options files and in manifests.
    public var name: DegradationPipelineName {
        switch self {
        case .wild: return .wild
        case .realESRGAN: return .realesrgan
        case .mild: return .mild
        }
    }

    /// How much smaller the LQ image is than the ground truth.
    public var scale: Int {
        switch self {
        case .wild, .mild: return 1
        case let .realESRGAN(pipeline): return pipeline.scale
        }
    }

    /// The ground truth (as the pipeline defines it) and its degraded version, with the record.
    public func apply(_ image: Image, random: inout DegradationRandom) throws
        -> (groundTruth: Image, lq: Image, record: DegradationRecord) {
        switch self {
        case let .wild(pipeline):
            let (lq, record) = try pipeline.apply(image, random: &random)
            return (image.droppingAlpha, lq, record)
        case let .realESRGAN(pipeline):
            return try pipeline.apply(image, random: &random)
        case let .mild(pipeline):
            let (lq, record) = try pipeline.apply(image, random: &random)
            return (image.droppingAlpha, lq, record)
        }
    }
}

/// One step of a pipeline phase, drawn in a random order (``WildPipeline/permutation(_:_:)``).
enum PipelineStep { case blur, resize, noise, jpeg }

// Settings files give any subset of a pipeline's fields over its published defaults, and are range-checked.
extension WildPipeline: DefaultedOptions, ValidatedOptions { public static var defaults: WildPipeline { WildPipeline() } }
extension MildPipeline: DefaultedOptions, ValidatedOptions { public static var defaults: MildPipeline { MildPipeline() } }
extension RealESRGANPipeline: DefaultedOptions, ValidatedOptions {
    public static var defaults: RealESRGANPipeline { RealESRGANPipeline() }
}
