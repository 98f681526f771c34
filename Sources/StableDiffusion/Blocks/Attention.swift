import WildTensor

/// The VAE's spatial self-attention: diffusers' `Attention` as `UNetMidBlock2D` builds it (`heads = C /
/// attention_head_dim`, one head of C in SD's VAE; `norm_num_groups` set, `residual_connection=True`,
/// `rescale_output_factor` 1, biased projections): `x + to_out(softmax(q·kᵀ/√d)·v)` with q, k, v the projections of
/// the group-normalised pixels as tokens (LDM's `AttnBlock`, whose 1×1-conv `q, k, v, proj_out` are these Linears).
///
/// Memory: without recording, the engine's attention takes the queries in blocks of about 1 MiB of scores per
/// thread: at SD's 64² latent (4096 tokens, C = 512) 64 × 4096 blocks instead of the whole 64 MiB matrix, beside
/// the normalised tokens, q, k, v and the mixed tokens at 8 MiB each and the outputs.
public final class Attention: Module {
    public let groupNorm: GroupNorm
    public let toQ: Linear
    public let toK: Linear
    public let toV: Linear
    /// `ModuleList([Linear(C, C), Dropout(0)])`.
    public let toOut: Sequential
    public let heads: Int

    /// - Parameters:
    ///   - channels: C, the width of the queries, keys, values and output.
    ///   - heads: C / `attention_head_dim` (1 in SD's VAE).
    ///   - groups, eps: the GroupNorm's (`norm_num_groups`; ε is `resnet_eps`, 1e-6 in the VAE).
    public init(channels: Int, heads: Int = 1, groups: Int = 32, eps: Float = 1e-6, generator: inout TensorRandom) {
        precondition(heads > 0 && channels % heads == 0, "Attention: \(channels) channels in \(heads) heads")
        groupNorm = GroupNorm(groups: groups, channels: channels, eps: eps)
        toQ = Linear(channels, channels, generator: &generator)
        toK = Linear(channels, channels, generator: &generator)
        toV = Linear(channels, channels, generator: &generator)
        toOut = Sequential([Linear(channels, channels, generator: &generator), Dropout()])
        self.heads = heads
    }

    /// `[B, C, H, W]` → `[B, C, H, W]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let tokens = groupNorm(x).reshaped([b, c, h * w]).permuted([0, 2, 1])
        let q = toQ(tokens), k = toK(tokens), v = toV(tokens)
        let mixed = GradMode.enabled ? recordedAttention(q, k, v) : q.attention(keys: k, values: v, heads: heads)
        return toOut(mixed).permuted([0, 2, 1]).reshaped([b, c, h, w]) + x
    }

    /// The same attention from recorded operations (gradients flow).
    private func recordedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
        let (b, n, m, width) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2])
        let d = width / heads
        func split(_ t: Tensor, _ length: Int) -> Tensor { t.reshaped([b, length, heads, d]).permuted([0, 2, 1, 3]) }
        let scores = (split(q, n).matmul(split(k, m).transposed()) * (1 / Float(d).squareRoot())).softmax(axis: -1)
        return scores.matmul(split(v, m)).permuted([0, 2, 1, 3]).reshaped([b, n, width])
    }
}
