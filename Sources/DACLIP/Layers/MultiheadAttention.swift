import WildTensor

/// Multi-head self-attention with packed input projections, PyTorch `nn.MultiheadAttention(width, heads)` as the
/// OpenCLIP `ResidualAttentionBlock` uses it (`attn.in_proj_weight` `[3W, W]` holding the q, k, v rows in that order,
/// `attn.in_proj_bias` `[3W]`, `attn.out_proj` a `Linear(W, W)`).
///
/// For tokens `x` `[B, L, W]` (batch first; OpenCLIP runs `[L, B, W]`, which gives the same values) and `H` heads of
/// width `D = W / H`: `q, k, v = x·W_inᵀ + b_in`, per head `softmax(q·kᵀ / √D + mask)·v`, heads concatenated and
/// projected by `out_proj` (Vaswani et al. 2017, eq. 1 and §3.2.2). The `H·B` products run as batched matrix
/// products; the additive `mask` `[L, L]` (−∞ where attention is forbidden) broadcasts over batch and heads.
public final class MultiheadAttention: Module {
    public let inProjWeight: Tensor
    public let inProjBias: Tensor
    public let outProj: Linear
    public let heads: Int

    public init(width: Int, heads: Int, generator: inout TensorRandom) {
        precondition(heads > 0 && width % heads == 0, "MultiheadAttention: \(heads) heads do not divide width \(width)")
        // PyTorch: xavier_uniform_ on the packed weight, zero biases.
        inProjWeight = generator.uniform([3 * width, width], bound: (6 / Float(4 * width)).squareRoot())
        inProjBias = generator.constant([3 * width], 0)
        outProj = Linear(width, width, generator: &generator)
        outProj.bias?.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        self.heads = heads
    }

    /// Attention of every token of `x` `[B, L, W]` over all tokens of its sequence, masked by `mask` `[L, L]`, plus
    /// `residual` (the block's stream, `residual + attn(x)`) when given.
    ///
    /// With recording off the heads are read where the packed projection put them
    /// (``Tensor/packedSelfAttention(heads:mask:)``) and the residual is added by the output projection's kernel;
    /// otherwise recorded operations compose the same values.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil, adding residual: Tensor? = nil) -> Tensor {
        precondition(x.rank == 3, "MultiheadAttention: tokens must be [B, L, W], got \(x.shape)")
        let (b, l, w) = (x.shape[0], x.shape[1], x.shape[2])
        if !GradMode.enabled {
            let mixed = x.linear(weight: inProjWeight, bias: inProjBias).packedSelfAttention(heads: heads, mask: mask)
            return mixed.linear(weight: outProj.weight, bias: outProj.bias, activation: nil, adding: residual)
        }
        let d = w / heads
        // [B, L, 3, H, D] → [3, B, H, L, D]: q, k, v of every head contiguous.
        let qkv = x.linear(weight: inProjWeight, bias: inProjBias).reshaped([b, l, 3, heads, d]).permuted([2, 0, 3, 1, 4])
        func part(_ i: Int) -> Tensor { qkv.sliced(axis: 0, i..<(i + 1)).reshaped([b, heads, l, d]) }
        let q = part(0) * (1 / Float(d).squareRoot()), k = part(1), v = part(2)
        var scores = q.matmul(k.transposed())
        if let mask { scores = scores + mask }
        let mixed = scores.softmax(axis: -1).matmul(v)                    // [B, H, L, D]
        let projected = outProj(mixed.permuted([0, 2, 1, 3]).reshaped([b, l, w]))
        return residual.map { $0 + projected } ?? projected
    }
}
