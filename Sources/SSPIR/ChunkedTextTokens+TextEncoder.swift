import StableDiffusion
import WildTensor

extension ChunkedTextTokens {
    /// `get_unweighted_text_embeddings` with Stable Diffusion's text encoder (`last_hidden_state` of each 77-id
    /// window): [B, 75k + 2, width] for rows of 75k + 2 ids (see ``encode(_:encoder:)``).
    /// - Throws: ``SSPIRError`` for bad rows; ``TextEncoderError`` for ids outside the encoder's vocabulary.
    public static func encode(_ rows: [[Int]], textEncoder: CLIPTextModel) throws -> Tensor {
        try encode(rows) { try textEncoder($0) }
    }

    /// The text condition of a guided SSP-IR run (facts §5): the positive prompts' rows (k from the longest), the
    /// negative prompts' rows padded or cut to the same k windows, both encoded chunk by chunk and stacked in the
    /// official CFG order [negative; positive] → [2B, 75k + 2, width].
    ///
    /// - Parameters:
    ///   - prompts: each positive prompt's ids without BOS/EOS (the tokenizer's ids between the two).
    ///   - negativePrompts: one per prompt, the same way ("" gives `[]`, the official default).
    /// - Throws: ``SSPIRError/invalidTokens(_:)`` when the counts differ or the batch is empty; the encoder's errors.
    public static func guidedEmbedding(prompts: [[Int]], negativePrompts: [[Int]], textEncoder: CLIPTextModel,
                                       special: SpecialTokens = .stableDiffusion) throws -> Tensor {
        guard negativePrompts.count == prompts.count else {
            throw SSPIRError.invalidTokens("\(negativePrompts.count) negative prompts for \(prompts.count) prompts")
        }
        let positive = try rows(prompts, special: special)
        let negative = try rows(negativePrompts, chunks: (positive[0].count - 2) / idsPerChunk, special: special)
        return Tensor.concatenate([try encode(negative, textEncoder: textEncoder), try encode(positive, textEncoder: textEncoder)], axis: 0)
    }
}
