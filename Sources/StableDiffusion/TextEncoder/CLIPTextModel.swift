import DACLIP
import WildTensor

/// Stable Diffusion's text encoder, HF transformers' `CLIPTextModel` (Radford et al. 2021; for SD 1.5 the text
/// tower of openai/clip-vit-large-patch14): token and position embeddings, pre-LN transformer blocks under the
/// causal mask, and a final LayerNorm over every token; the output is `last_hidden_state` [B, L, width] (no pooling,
/// no projection).
///
/// The blocks are DA-CLIP's OpenCLIP text tower (``Transformer``: packed `in_proj`, `ln_1`, `mlp.c_fc`, …), with
/// the activation of the configuration (QuickGELU for SD 1.x); the parameters therefore have OpenCLIP's names
/// (`token_embedding.weight`, `positional_embedding`, `transformer.resblocks.N.*`, `ln_final.*`).
/// ``load(contentsOf:configuration:)`` reads HF's and SD's checkpoints by a name map.
public final class CLIPTextModel: Module {
    public let tokenEmbedding: TokenEmbedding
    public let positionalEmbedding: Tensor
    public let transformer: Transformer
    public let lnFinal: LayerNorm
    public let configuration: CLIPTextConfiguration

    /// A text encoder with HF's initialisation scales (token and position embeddings N(0, 0.02²)), drawn from
    /// `generator` (``TensorRandom/placeholder`` when weights are loaded next).
    /// - Throws: ``TextEncoderError/invalidConfiguration(field:reason:)``.
    public init(_ configuration: CLIPTextConfiguration = .stableDiffusion15, generator: inout TensorRandom) throws {
        try configuration.validate()
        self.configuration = configuration
        tokenEmbedding = TokenEmbedding(vocabulary: configuration.vocabSize, width: configuration.width, generator: &generator)
        positionalEmbedding = generator.normal([configuration.contextLength, configuration.width]) * 0.02
        positionalEmbedding.requiresGrad = true
        transformer = Transformer(width: configuration.width, layers: configuration.layers, heads: configuration.heads,
                                  mlpWidth: configuration.intermediateSize, activation: configuration.activation,
                                  generator: &generator)
        lnFinal = LayerNorm(configuration.width, eps: 1e-5)
    }

    /// `last_hidden_state` of token-id rows: [B, L, width] for B rows of L ids each (L ≤ `max_position_embeddings`;
    /// SD pads every prompt to 77). No attention mask besides the causal one, as Stable Diffusion calls it.
    /// Records gradients when gradient mode is on.
    /// - Throws: ``TextEncoderError/invalidTokens(_:)`` for an empty batch, rows of different or invalid lengths,
    ///   or an id outside the vocabulary.
    public func callAsFunction(_ tokens: [[Int]]) throws -> Tensor {
        guard let length = tokens.first?.count else { throw TextEncoderError.invalidTokens("no token rows") }
        guard (1...configuration.contextLength).contains(length) else {
            throw TextEncoderError.invalidTokens("rows of \(length) ids; 1…\(configuration.contextLength) are allowed")
        }
        for (index, row) in tokens.enumerated() {
            guard row.count == length else {
                throw TextEncoderError.invalidTokens("row \(index) has \(row.count) ids, row 0 has \(length): pad them to one length")
            }
            if let bad = row.first(where: { !(0..<configuration.vocabSize).contains($0) }) {
                throw TextEncoderError.invalidTokens("row \(index) holds id \(bad), outside the vocabulary 0..<\(configuration.vocabSize)")
            }
        }
        let embedded = try tokenEmbedding(tokens.flatMap { $0 }, batch: tokens.count, length: length)
        let x = embedded + positionalEmbedding.sliced(axis: 0, 0..<length)
        return lnFinal(transformer(x, mask: CausalMask.make(length)))
    }
}
