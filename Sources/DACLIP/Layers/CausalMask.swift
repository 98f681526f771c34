import WildTensor

/// The additive causal attention mask of CLIP's text tower (OpenCLIP `build_attention_mask`): `[L, L]`, 0 on and
/// below the diagonal, −∞ above it, so token i attends to tokens 0…i only.
public enum CausalMask {
    /// The mask for sequences of `length` tokens.
    public static func make(_ length: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * length)
        for row in 0..<length {
            for column in (row + 1)..<Swift.max(row + 1, length) { values[row * length + column] = -.infinity }
        }
        return Tensor(shape: [length, length], values: values)
    }
}
