import WildTensor

/// The blocks of an image tower: CLIP's plain ``Transformer`` or DA-CLIP's ``ControlTransformer``.
public protocol VisionTrunk: Module {
    /// The blocks over tokens `[B, L, W]`, adding `residuals[i]` after block i when given; returns the final tokens
    /// and the controls the trunk records (none for a plain transformer).
    func encode(_ tokens: Tensor, adding residuals: [Tensor]?) -> (output: Tensor, controls: [Tensor])
}

extension Transformer: VisionTrunk {
    public func encode(_ tokens: Tensor, adding residuals: [Tensor]?) -> (output: Tensor, controls: [Tensor]) {
        (self(tokens, adding: residuals), [])
    }
}

extension ControlTransformer: VisionTrunk {
    public func encode(_ tokens: Tensor, adding residuals: [Tensor]?) -> (output: Tensor, controls: [Tensor]) {
        self(tokens, adding: residuals)
    }
}
