import CLIPTokenizer
import Foundation
import Imaging
import WildTensor

/// Zero-shot degradation analysis with DA-CLIP: which of a set of degradation labels best describes an image, as
/// the official README's example computes it (daclip-uir `README.md`, "DA-CLIP Usage"; Luo et al., DA-CLIP, §3):
///
///     d = encode_image(image, control=True).degradation / ‖·‖     t_j = encode_text(label_j) / ‖·‖
///     similarity_j = d · t_j       probability = softmax_j(100 · similarity_j)
///
/// The temperature is the README's fixed 100, not the model's trained `logit_scale`. Features are normalised and
/// compared in Double; the towers run in Float32 (the README runs them under CUDA autocast, in half precision).
///
/// The labels' text features are computed once, when the analysis is made; each image then costs one pass of the
/// two image towers.
public struct DegradationAnalysis {
    /// The ten degradation types of the universal DA-CLIP (the README's `degradations` list and the task folders
    /// of its training data), in the README's order.
    public static let universalLabels = ["motion-blurry", "hazy", "jpeg-compressed", "low-light", "noisy", "raindrop",
                                         "rainy", "shadowed", "snowy", "uncompleted"]
    /// The README's fixed logit scale.
    public static let logitScale = 100.0

    public let model: DACLIPModel
    public let labels: [String]
    public let preprocessing: CLIPPreprocessing
    /// The labels' L2-normalised text features, one row per label.
    let textFeatures: [[Double]]

    /// Prepares an analysis of `labels` (encoded with `tokenizer` to the model's context length).
    /// - Parameter preprocessing: how images become the towers' input; nil is the official preprocessing (the
    ///   README's, which is wild-IR `test.py`'s) at the model's image size.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for no labels, an empty label, or a model whose vocabulary is not
    ///   the tokenizer's.
    public init(model: DACLIPModel, tokenizer: CLIPTokenizer, labels: [String] = DegradationAnalysis.universalLabels,
                preprocessing: CLIPPreprocessing? = nil) throws {
        guard !labels.isEmpty else { throw DACLIPError.invalidInput("no degradation labels to compare with") }
        if let blank = labels.firstIndex(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw DACLIPError.invalidInput("label \(blank + 1) is empty")
        }
        let text = model.configuration.text
        guard text.vocabSize == tokenizer.vocabularySize else {
            throw DACLIPError.invalidInput("the model's text tower has \(text.vocabSize) token ids, CLIP's tokenizer "
                + "\(tokenizer.vocabularySize): its labels cannot be encoded")
        }
        let features = try model.encodeText(tokenizer.tokenize(labels, contextLength: text.contextLength))
        self.model = model
        self.labels = labels
        self.preprocessing = preprocessing ?? CLIPPreprocessing(for: model)
        textFeatures = features.l2NormalisedRows()
    }

    /// The scores of one image, in the order of ``labels``.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` when the preprocessing's resolution is not the model's.
    public func analyse(_ image: Image) throws -> [DegradationScore] {
        let pixels = try preprocessing.tensor([image])
        guard let degradation = try model.encodeImage(pixels, control: true).degradation else {
            throw DACLIPError.invalidInput("the controller gave no degradation features")
        }
        return scores(degradationFeatures: degradation)[0]
    }

    /// The scores of each row of unnormalised degradation features `[B, embed]`, each in the order of ``labels``.
    public func scores(degradationFeatures: Tensor) -> [[DegradationScore]] {
        degradationFeatures.l2NormalisedRows().map { image in
            let similarities = textFeatures.map { text in zip(image, text).reduce(0) { $0 + $1.0 * $1.1 } }
            let logits = similarities.map { Self.logitScale * $0 }
            let largest = logits.max() ?? 0
            let exponentials = logits.map { Foundation.exp($0 - largest) }
            let total = exponentials.reduce(0, +)
            return labels.indices.map {
                DegradationScore(label: labels[$0], similarity: similarities[$0], probability: exponentials[$0] / total)
            }
        }
    }
}
