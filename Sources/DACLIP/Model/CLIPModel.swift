import Foundation
import WildTensor

/// CLIP as DA-CLIP holds it (`DaCLIP.clip`: OpenCLIP `CLIP` built with DA-CLIP's config, Radford et al. 2021): the
/// image tower `visual` and the text tower in the flat layout (`token_embedding`, `positional_embedding`,
/// `transformer.resblocks.{i}`, `ln_final`, `text_projection`), and the frozen `logit_scale` (log(1/0.07) at
/// initialisation).
///
/// Parameter names and their order are those of the official `state_dict` under `clip.`.
public final class CLIPModel: Module {
    public let positionalEmbedding: Tensor
    public let textProjection: Tensor
    public let logitScale: Tensor
    public let visual: VisionTransformer<Transformer>
    public let transformer: Transformer
    public let tokenEmbedding: TokenEmbedding
    public let lnFinal: LayerNorm
    /// The hyper-parameters (validated by the caller).
    public let configuration: CLIPConfiguration

    /// A CLIP of `configuration` with OpenCLIP's initialisation scales (drawn from `generator`).
    public init(_ configuration: CLIPConfiguration, generator: inout TensorRandom) {
        let v = configuration.vision, t = configuration.text
        func normal(_ shape: [Int], std: Float) -> Tensor {
            let p = generator.normal(shape) * std
            p.requiresGrad = true
            return p
        }
        positionalEmbedding = normal([t.contextLength, t.width], std: 0.01)
        textProjection = normal([t.width, configuration.embedDim], std: 1 / Float(t.width).squareRoot())
        logitScale = Tensor(shape: [], values: [Float(Foundation.log(1 / 0.07))], requiresGrad: true)
        let trunk = Transformer(width: v.width, layers: v.layers, heads: v.heads, mlpWidth: v.mlpWidth, generator: &generator)
        visual = VisionTransformer(v, embedDim: configuration.embedDim, trunk: trunk, generator: &generator)
        transformer = Transformer(width: t.width, layers: t.layers, heads: t.heads, mlpWidth: t.mlpWidth, generator: &generator)
        tokenEmbedding = TokenEmbedding(vocabulary: t.vocabSize, width: t.width, generator: &generator)
        lnFinal = LayerNorm(t.width, eps: 1e-5)
        self.configuration = configuration
    }

    /// Image features `[B, embed]` of preprocessed images `[B, 3, S, S]`, not normalised (OpenCLIP
    /// `CLIP.encode_image(image)`). Records gradients when gradient mode is on.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for a batch of another shape.
    public func encodeImage(_ pixels: Tensor) throws -> Tensor {
        try visual.check(pixels)
        return visual(pixels).features
    }

    /// Text features `[B, embed]` of token-id rows, not normalised (OpenCLIP `CLIP.encode_text`): token and position
    /// embeddings, the blocks under the causal mask, `ln_final` of the token at the first position of the row's
    /// largest id (the EOT token, 49407 for CLIP's tokenizer), times `text_projection`.
    ///
    /// Rows may be shorter than `context_length` (they are read as padded with id 0, OpenCLIP's padding). Because of
    /// the causal mask the EOT token sees only the tokens before it, so the blocks run on the first
    /// `max(EOT position) + 1` positions only; the result is that of the full context (up to the rounding of the
    /// matrix products).
    /// Records gradients when gradient mode is on.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for an empty batch, an empty or too long row, or an id outside the
    ///   vocabulary.
    public func encodeText(_ tokens: [[Int]]) throws -> Tensor {
        let t = configuration.text
        guard !tokens.isEmpty else { throw DACLIPError.invalidInput("no token rows") }
        var poolAt: [Int] = []
        for (index, row) in tokens.enumerated() {
            guard (1...t.contextLength).contains(row.count) else {
                throw DACLIPError.invalidInput("token row \(index) has \(row.count) ids; 1…\(t.contextLength) are allowed")
            }
            if let bad = row.first(where: { $0 < 0 || $0 >= t.vocabSize }) {
                throw DACLIPError.invalidInput("token row \(index) holds id \(bad), outside the vocabulary 0..<\(t.vocabSize)")
            }
            // `text.argmax(-1)`: the first position of the largest id.
            var best = 0
            for (i, id) in row.enumerated() where id > row[best] { best = i }
            poolAt.append(best)
        }
        let (batch, length) = (tokens.count, (poolAt.max() ?? 0) + 1)
        let ids = tokens.flatMap { row in (0..<length).map { $0 < row.count ? row[$0] : 0 } }
        let x = try tokenEmbedding(ids, batch: batch, length: length) + positionalEmbedding.sliced(axis: 0, 0..<length)
        let h = transformer(x, mask: CausalMask.make(length)).reshaped([batch * length, t.width])
        // Gather each row's EOT token (the embedding lookup is a differentiable row gather).
        let pooled = try Tensor.embedding(poolAt.enumerated().map { $0.offset * length + $0.element }, weight: h)
        return lnFinal(pooled).matmul(textProjection)
    }
}
