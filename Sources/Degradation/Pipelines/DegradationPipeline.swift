import Imaging

/// The pipelines a dataset can be generated with.
public enum DegradationPipeline: Sendable, Equatable {
    /// DACLIP-IR's three-phase pipeline (×1).
    case wild(WildPipeline)
    /// Real-ESRGAN's second-order pipeline (×1, ×2 or ×4).
    case realESRGAN(RealESRGANPipeline)
    /// The mild resize/noise/JPEG augmentation of the robust DA-CLIP (×1).
    case mild(MildPipeline)

    /// The name used on the command line and in manifests.
    public var name: String {
        switch self {
        case .wild: return "wild"
        case .realESRGAN: return "realesrgan"
        case .mild: return "mild"
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
