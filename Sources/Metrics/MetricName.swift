import Foundation

/// The metrics of `wildir evaluate --metrics`, by the names the papers' tables use.
///
/// Full-reference metrics score a restored image against its ground truth; no-reference ones score the restored
/// image alone (so an evaluation that asks only for them needs no reference folder); set-level ones (FID, KID)
/// compare the distribution of the restored set with that of the reference set, one value per set, without pairing.
public enum MetricName: String, CaseIterable, Sendable, Codable, Hashable {
    /// Peak signal-to-noise ratio in dB (BasicSR `calculate_psnr`).
    case psnr
    /// Structural similarity (BasicSR `calculate_ssim`, the MATLAB release's Gaussian window).
    case ssim
    /// Natural Image Quality Evaluator (BasicSR `calculate_niqe`), no-reference.
    case niqe
    /// Learned Perceptual Image Patch Similarity v0.1 (the lpips package), full-reference.
    case lpips
    /// Deep Image Structure and Texture Similarity (the DISTS_pytorch package), full-reference.
    case dists
    /// The cosine of the CLIP image embeddings of the restored image and its reference (DreamBooth's CLIP-I),
    /// full-reference; computed by the CLIPMetrics module.
    case clipI = "clip-i"
    /// CLIP-IQA (pyiqa's `clipiqa` formula on a ViT CLIP), no-reference; computed by the CLIPMetrics module.
    case clipiqa
    /// Fréchet Inception Distance (the pytorch-fid package), set-level.
    case fid
    /// Kernel Inception Distance (torch-fidelity's and clean-fid's unbiased polynomial-kernel MMD²), set-level.
    case kid

    /// Names of the field's metrics that this version does not compute yet (refused with a clear message).
    public static let planned: [String] = []

    /// `true` when the metric compares against a reference image.
    public var needsReference: Bool {
        switch self {
        case .psnr, .ssim, .lpips, .dists, .clipI, .fid, .kid: return true
        case .niqe, .clipiqa: return false
        }
    }

    /// `true` when larger values mean better restorations (↑ in tables), `false` for ↓.
    public var higherIsBetter: Bool {
        switch self {
        case .psnr, .ssim, .clipI, .clipiqa: return true
        case .niqe, .lpips, .dists, .fid, .kid: return false
        }
    }

    /// `true` for the metrics computed by pretrained networks, whose weights must be found before scoring.
    public var isLearned: Bool { [.lpips, .dists, .fid, .kid].contains(self) }

    /// `true` for the metrics with one value per pair of sets (FID, KID), computed over every image of the restored
    /// folder and every image of the reference folder.
    public var isSetLevel: Bool { self == .fid || self == .kid }

    /// `true` for the metrics computed on CLIP's towers, which need CLIP weights (`wildir evaluate --clip`).
    public var isCLIPBased: Bool { self == .clipI || self == .clipiqa }

    /// The column title of tables ("PSNR", "SSIM", "NIQE", "LPIPS", "DISTS", "CLIP-I", "CLIPIQA", "FID", "KID").
    public var title: String { rawValue.uppercased() }

    /// The unit of the values, if any.
    public var unit: String? { self == .psnr ? "dB" : nil }

    /// The metrics of a comma-separated list (`"psnr,ssim,lpips"`, any case, spaces ignored), in order, each once.
    /// - Throws: ``MetricsError/unknownMetric(_:known:)`` naming the known and the planned metrics.
    public static func list(_ text: String) throws -> [MetricName] {
        var metrics: [MetricName] = []
        for item in text.split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces).lowercased()
            guard let metric = MetricName(rawValue: name) else {
                throw MetricsError.unknownMetric(name, known: allCases.map(\.rawValue), planned: planned)
            }
            if !metrics.contains(metric) { metrics.append(metric) }
        }
        guard !metrics.isEmpty else { throw MetricsError.unknownMetric(text, known: allCases.map(\.rawValue), planned: planned) }
        return metrics
    }
}
