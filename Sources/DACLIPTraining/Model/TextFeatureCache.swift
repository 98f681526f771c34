import CLIPTokenizer
import DACLIP
import WildTensor

/// CLIP text features of the degradation texts and captions (unnormalised, `[N, embed]`).
///
/// While the text tower is frozen its features are constants: each distinct text is encoded once, on its own (a
/// batch of one, so its value never depends on which texts it was batched with, and a resumed run gets the same
/// bits), and reused. When the text tower trains, texts are encoded afresh with gradients recorded.
final class TextFeatureCache {
    let model: DACLIPModel
    let tokenizer: CLIPTokenizer
    /// Whether the text tower trains (nothing is cached then).
    let trainable: Bool
    private var cache: [String: Tensor] = [:]

    init(model: DACLIPModel, tokenizer: CLIPTokenizer, trainable: Bool) {
        self.model = model
        self.tokenizer = tokenizer
        self.trainable = trainable
    }

    private func tokens(_ texts: [String]) -> [[Int]] {
        tokenizer.tokenize(texts, contextLength: model.configuration.text.contextLength)
    }

    /// Features of `texts` for a training step (with gradients when the tower trains).
    func training(_ texts: [String]) throws -> Tensor {
        trainable ? try model.clip.encodeText(tokens(texts)) : try constant(texts)
    }

    /// Features of `texts` without gradients (validation).
    func constant(_ texts: [String]) throws -> Tensor {
        if trainable { return try model.encodeText(tokens(texts)) }
        var rows: [Tensor] = []
        for text in texts {
            if let cached = cache[text] { rows.append(cached); continue }
            let row = try model.encodeText(tokens([text]))
            cache[text] = row
            rows.append(row)
        }
        return Tensor.concatenate(rows, axis: 0)
    }
}
