import Checkpoints

extension CLIPConfiguration {
    /// Reads the configuration of a DA-CLIP state dict from its tensor shapes (official checkpoints carry no
    /// config): vision width and patch from `clip.visual.conv1.weight` `[W, 3, p, p]`, image size from the rows of
    /// `clip.visual.positional_embedding` (`(S/p)² + 1`), vision MLP ratio from `mlp.c_fc.weight`, embed dim from
    /// `clip.visual.proj` `[W, embed]`, text width and vocabulary from `clip.token_embedding.weight`, context length
    /// from `clip.positional_embedding`, layers by counting `resblocks.{i}`. Head counts are not in the weights:
    /// both towers get `width / headWidth` heads (64 in every OpenCLIP ViT and CLIP text tower).
    ///
    /// - Parameter state: keys as ``DACLIPStateDict`` resolves them (`clip.visual.*`, no `module.` prefix).
    /// - Throws: ``DACLIPError/unrecognisedStateDict(file:reason:)`` naming the key that is missing or malformed, then
    ///   whatever ``validate()`` finds.
    public init(inferringFrom state: [String: StoredTensor], headWidth: Int = 64, file: String = "<state dict>") throws {
        func fail(_ reason: String) -> DACLIPError { .unrecognisedStateDict(file: file, reason: reason) }
        func shape(_ key: String, rank: Int) throws -> [Int] {
            guard let tensor = state[key] else {
                if state["positional_embedding"] != nil || state["visual.conv1.weight"] != nil {
                    throw fail("no '\(key)': this looks like a plain (Open)CLIP state dict, not DA-CLIP (no clip.* keys)")
                }
                throw fail("no '\(key)': not a DA-CLIP state dict")
            }
            guard tensor.shape.count == rank else { throw fail("'\(key)' has shape \(tensor.shape), expected rank \(rank)") }
            return tensor.shape
        }
        func layers(_ prefix: String) -> Int {
            var count = 0
            while state["\(prefix)\(count).ln_1.weight"] != nil { count += 1 }
            return count
        }
        self.init()
        let conv = try shape("clip.visual.conv1.weight", rank: 4)
        guard conv[1] == 3, conv[2] == conv[3] else {
            throw fail("clip.visual.conv1.weight has shape \(conv), expected [width, 3, patch, patch]")
        }
        vision.width = conv[0]
        vision.patchSize = conv[2]
        let positions = try shape("clip.visual.positional_embedding", rank: 2)[0] - 1
        let grid = Int(Double(Swift.max(positions, 0)).squareRoot().rounded())
        guard positions >= 1, grid * grid == positions else {
            throw fail("clip.visual.positional_embedding has \(positions + 1) rows, expected a square number of patches + 1")
        }
        vision.imageSize = grid * vision.patchSize
        vision.layers = layers("clip.visual.transformer.resblocks.")
        vision.headWidth = headWidth
        if vision.layers > 0 {
            let hidden = try shape("clip.visual.transformer.resblocks.0.mlp.c_fc.weight", rank: 2)[0]
            vision.mlpRatio = Double(hidden) / Double(Swift.max(vision.width, 1))
        }
        embedDim = try shape("clip.visual.proj", rank: 2)[1]

        let table = try shape("clip.token_embedding.weight", rank: 2)
        text.vocabSize = table[0]
        text.width = table[1]
        text.contextLength = try shape("clip.positional_embedding", rank: 2)[0]
        text.layers = layers("clip.transformer.resblocks.")
        guard headWidth > 0, text.width % headWidth == 0 else {
            throw fail("the text width \(text.width) is not a multiple of the head width \(headWidth)")
        }
        text.heads = text.width / headWidth
        let projection = try shape("clip.text_projection", rank: 2)
        guard projection == [text.width, embedDim] else {
            throw fail("clip.text_projection has shape \(projection), expected [\(text.width), \(embedDim)] (text width, embed dim)")
        }
        try validate()
    }
}
