import Models
import WildTensor

/// diffusers' `Transformer2DModel` with 1×1-conv projections (`use_linear_projection=False`, SD-1.5's U-Net and
/// every attention SSP-IR adds): GroupNorm(ε 1e-6) → `proj_in` → `BasicTransformerBlock`s [LN → self-attention
/// `attn1`; LN → cross-attention `attn2` with keys and values from a context of width D; LN → GEGLU feed-forward
/// `ff.net.{0.proj,2}`; each residual] → `proj_out` → + input. q/k/v have no bias, `to_out.0` has one, the GELU
/// is exact and the scale is `head_dim^-0.5`.
///
/// It is latent diffusion's `SpatialTransformer` (Rombach et al. 2022, §3.3), the same keys and computation: one
/// implementation, in `Models`, serves both.
public typealias Transformer2DModel = SpatialTransformer

extension SpatialTransformer {
    /// diffusers' `Transformer2DModel(num_attention_heads: heads, attention_head_dim: headDim, in_channels:
    /// inChannels, num_layers: layers, cross_attention_dim: contextDim, norm_num_groups: groups)`, initialised as
    /// PyTorch's defaults (`proj_out` is not zeroed).
    ///
    /// A context is required: diffusers builds no `attn2` without `cross_attention_dim`, a layout not offered here.
    public convenience init(heads: Int, headDim: Int, inChannels: Int, layers: Int = 1, contextDim: Int, groups: Int = 32,
                            generator: inout TensorRandom) {
        self.init(channels: inChannels, heads: heads, headDim: headDim, depth: layers, contextDim: contextDim,
                  groups: groups, zeroInitialisedOutput: false, generator: &generator)
    }
}
