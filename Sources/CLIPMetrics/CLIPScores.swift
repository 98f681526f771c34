import CLIPTokenizer
import DACLIP
import Foundation
import Metrics

/// The CLIP-based metrics of an evaluation (CLIP-I, CLIP-IQA), on one CLIP loaded once before any image is scored.
public struct CLIPScores: Sendable, Equatable {
    /// CLIP-I, when the evaluation computes it.
    public var imageSimilarity: CLIPImageSimilarity?
    /// CLIP-IQA, when the evaluation computes it.
    public var quality: CLIPIQA?

    /// The given metrics (none by default).
    public init(imageSimilarity: CLIPImageSimilarity? = nil, quality: CLIPIQA? = nil) {
        self.imageSimilarity = imageSimilarity
        self.quality = quality
    }

    /// Loads what `metrics` needs (``MetricName/clipI``, ``MetricName/clipiqa``) from the CLIP checkpoint `clip` (an
    /// OpenCLIP ViT file or a DA-CLIP one, ``DACLIP/CLIPModel/load(contentsOf:configuration:)``); other metrics need
    /// nothing here.
    /// - Throws: ``CLIPScoresError/weightsRequired`` when a CLIP metric is asked for without `clip`, or the loader's
    ///   and tokenizer's errors.
    /// - Parameter prompts: CLIP-IQA's antonym prompts (pyiqa's current ones by default).
    public static func load(for metrics: [MetricName], clip: URL?, configuration: CLIPConfiguration? = nil,
                            prompts: CLIPIQA.PromptSet = .pyiqa, tokenizer: () throws -> CLIPTokenizer) throws -> CLIPScores {
        let wanted = metrics.filter { $0 == .clipI || $0 == .clipiqa }
        guard !wanted.isEmpty else { return CLIPScores() }
        guard let clip else { throw CLIPScoresError.weightsRequired(wanted.map(\.title)) }
        let embedder = CLIPEmbedder(model: try CLIPModel.load(contentsOf: clip, configuration: configuration))
        var scores = CLIPScores()
        if wanted.contains(.clipI) { scores.imageSimilarity = CLIPImageSimilarity(embedder: embedder) }
        if wanted.contains(.clipiqa) {
            scores.quality = try CLIPIQA(embedder: embedder, tokenizer: try tokenizer(), prompts: prompts.pairs)
        }
        return scores
    }
}

/// Why the CLIP-based metrics cannot run.
public enum CLIPScoresError: Error, CustomStringConvertible, Equatable {
    /// A CLIP metric was asked for without CLIP weights.
    case weightsRequired([String])

    public var description: String {
        switch self {
        case let .weightsRequired(metrics):
            return "\(metrics.joined(separator: " and ")) need CLIP weights: give --clip FILE, an OpenCLIP ViT checkpoint "
                + "(open_clip_pytorch_model.bin or open_clip_model.safetensors of the model you report with, e.g. "
                + "ViT-B-32 laion2b_s34b_b79k) or a DA-CLIP .pt (its frozen CLIP is used); nothing is downloaded"
        }
    }
}
