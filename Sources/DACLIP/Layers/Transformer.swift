import WildTensor

/// A stack of residual attention blocks, OpenCLIP `Transformer` (`resblocks.{i}`).
///
/// `residuals`, when given, are added to the stream after each block (`x ← block_i(x) + residuals[i]`): this is how
/// the frozen CLIP image tower takes DA-CLIP's controls (OpenCLIP `Transformer.forward(x, control=…)`, where the
/// caller's list order decides which control meets which block; see ``DACLIPModel``).
public final class Transformer: Module {
    public let resblocks: [ResidualAttentionBlock]

    public init(width: Int, layers: Int, heads: Int, mlpWidth: Int, activation: CLIPActivation = .gelu,
                generator: inout TensorRandom) {
        resblocks = (0..<layers).map { _ in
            ResidualAttentionBlock(width: width, heads: heads, mlpWidth: mlpWidth, activation: activation, generator: &generator)
        }
    }

    /// The width of the tokens.
    public var width: Int { resblocks.first?.ln1.weight.count ?? 0 }

    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, adding residuals: [Tensor]? = nil) -> Tensor {
        precondition(residuals == nil || residuals?.count == resblocks.count,
                     "Transformer: \(residuals?.count ?? 0) residuals for \(resblocks.count) blocks")
        var h = x
        for (i, block) in resblocks.enumerated() {
            h = block(h, mask: mask)
            if let residuals { h = h + residuals[i] }
        }
        return h
    }
}
