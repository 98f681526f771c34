import CLIPTokenizer
import DACLIP
import Foundation
import Imaging
import Metrics
import WildTensor

/// CLIP-IQA (Wang, Chan and Loy, "Exploring CLIP for Assessing the Look and Feel of Images", AAAI 2023) as pyiqa's
/// `clipiqa` computes it, no-reference, higher is better, in [0, 1]: for each antonym pair of prompts, the softmax
/// of exp(logit_scale) · cos(E(image), T(prompt)) over the pair; the score is the mean probability of the positive
/// prompts. Which prompts depends on the version being matched (``PromptSet``).
///
/// pyiqa runs OpenAI's ResNet-50 CLIP on the whole image without positional embeddings; this port has ViT towers
/// only, whose positional grid needs CLIP's preprocessing (``CLIPEmbedder``), so the scores of the two are not
/// interchangeable: compare CLIP-IQA values only between runs with the same CLIP weights and prompts.
public struct CLIPIQA: NoReferenceMetric, Equatable {
    /// The antonym prompts of the published versions.
    public enum PromptSet: String, CaseIterable, Sendable, Codable {
        /// pyiqa's current five pairs (`clipiqa_arch.py` since 2024): good/bad image, sharp/blurry image,
        /// sharp/blurry edges, high/low resolution image, noise-free/noisy image.
        case pyiqa
        /// pyiqa's earlier three pairs: "Good photo."/"Bad photo.", "High quality."/"Low quality.",
        /// "Sharp photo."/"Blurry photo.".
        case pyiqaThreePairs = "pyiqa-three-pairs"
        /// The paper's one pair (IceClear/CLIP-IQA, `CLIPIQAFixed`): "Good photo."/"Bad photo.".
        case original

        /// The (positive, negative) pairs, in the reference's order.
        public var pairs: [(positive: String, negative: String)] {
            switch self {
            case .pyiqa:
                return [("Good image", "bad image"), ("Sharp image", "blurry image"), ("sharp edges", "blurry edges"),
                        ("High resolution image", "low resolution image"), ("Noise-free image", "noisy image")]
            case .pyiqaThreePairs:
                return [("Good photo.", "Bad photo."), ("High quality.", "Low quality."), ("Sharp photo.", "Blurry photo.")]
            case .original:
                return [("Good photo.", "Bad photo.")]
            }
        }
    }

    public let name = "CLIP-IQA"
    public let higherIsBetter = true
    public let embedder: CLIPEmbedder
    public let prompts: [(positive: String, negative: String)]
    /// exp(logit_scale) of the model (CLIP's forward: 100 for OpenAI's weights).
    public let logitScale: Double
    /// The normalised text embeddings, positive then negative, per pair.
    let textEmbeddings: [(positive: [Double], negative: [Double])]

    /// Encodes the prompts once.
    /// - Throws: ``DACLIP/DACLIPError/invalidInput(_:)`` for no prompts or a model whose vocabulary is not the
    ///   tokenizer's.
    public init(embedder: CLIPEmbedder, tokenizer: CLIPTokenizer,
                prompts: [(positive: String, negative: String)] = PromptSet.pyiqa.pairs) throws {
        guard !prompts.isEmpty else { throw DACLIPError.invalidInput("CLIP-IQA needs at least one pair of prompts") }
        let text = embedder.model.configuration.text
        guard text.vocabSize == tokenizer.vocabularySize else {
            throw DACLIPError.invalidInput("the CLIP's text tower has \(text.vocabSize) token ids, CLIP's tokenizer "
                + "\(tokenizer.vocabularySize): its prompts cannot be encoded")
        }
        let texts = prompts.flatMap { [$0.positive, $0.negative] }
        let features = try withNoGrad { try embedder.model.encodeText(tokenizer.tokenize(texts, contextLength: text.contextLength)) }
        let rows = features.l2NormalisedRows()
        self.embedder = embedder
        self.prompts = prompts
        textEmbeddings = (0..<prompts.count).map { (rows[2 * $0], rows[2 * $0 + 1]) }
        logitScale = Foundation.exp(Double(embedder.model.logitScale.withUnsafeBufferPointer { $0[0] }))
    }

    /// The published set the prompts are, if they are one.
    public var promptSet: PromptSet? {
        func texts(_ pairs: [(positive: String, negative: String)]) -> [String] { pairs.flatMap { [$0.positive, $0.negative] } }
        return PromptSet.allCases.first { texts($0.pairs) == texts(prompts) }
    }

    /// The mean over pairs of softmax(s·cos⁺, s·cos⁻)⁺.
    /// - Throws: ``DACLIP/DACLIPError`` when the image cannot be encoded.
    public func evaluate(_ image: Image) throws -> Double {
        score(embedding: try embedder.embedding(image))
    }

    /// The score of an image from its normalised embedding (``CLIPEmbedder/embeddings(_:)``), as
    /// ``evaluate(_:)`` computes it.
    public func score(embedding e: [Double]) -> Double {
        let positives = textEmbeddings.map { pair -> Double in
            let (p, n) = (logitScale * CLIPEmbedder.dot(e, pair.positive), logitScale * CLIPEmbedder.dot(e, pair.negative))
            // The two-way softmax as a logistic: 1 / (1 + exp(n − p)).
            return 1 / (1 + Foundation.exp(n - p))
        }
        return positives.reduce(0, +) / Double(positives.count)
    }

    public static func == (a: CLIPIQA, b: CLIPIQA) -> Bool {
        a.embedder === b.embedder && a.prompts.map(\.positive) == b.prompts.map(\.positive)
            && a.prompts.map(\.negative) == b.prompts.map(\.negative)
    }
}
