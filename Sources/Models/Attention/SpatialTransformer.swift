import WildTensor

/// Multi-head attention of queries `x` `[B, N, D]` over `context` `[B, M, C]` (self-attention without context):
/// latent-diffusion's `CrossAttention` (bias-free q/k/v projections, softmax(q·kᵀ/√d)·v, output linear).
public final class CrossAttention: Module {
    public let toQ: Linear
    public let toK: Linear
    public let toV: Linear
    /// `Sequential(Linear(inner, query_dim), Dropout)`.
    public let toOut: Sequential
    public let heads: Int
    public let headDim: Int

    public init(queryDim: Int, contextDim: Int? = nil, heads: Int, headDim: Int, generator: inout TensorRandom) {
        let inner = heads * headDim
        toQ = Linear(queryDim, inner, bias: false, generator: &generator)
        toK = Linear(contextDim ?? queryDim, inner, bias: false, generator: &generator)
        toV = Linear(contextDim ?? queryDim, inner, bias: false, generator: &generator)
        toOut = Sequential([Linear(inner, queryDim, generator: &generator), Dropout()])
        self.heads = heads
        self.headDim = headDim
    }

    public func callAsFunction(_ x: Tensor, context: Tensor? = nil) -> Tensor { self(x, context: context, adding: nil) }

    /// The attention plus `residual` (`residual + attn(x)`, the block's stream) when given. With recording off the
    /// heads are read where the projections wrote them (``Tensor/attention(keys:values:heads:)``) and the residual is
    /// added by the output projection's kernel; otherwise recorded operations compose the same values.
    public func callAsFunction(_ x: Tensor, context: Tensor?, adding residual: Tensor?) -> Tensor {
        let source = context ?? x
        if !GradMode.enabled, let output = toOut.layers.first as? Linear {
            // toOut is Linear then Dropout(p = 0), an identity.
            let mixed = toQ(x).attention(keys: toK(source), values: toV(source), heads: heads)
            return mixed.linear(weight: output.weight, bias: output.bias, activation: nil, adding: residual)
        }
        let (b, n, m) = (x.shape[0], x.shape[1], source.shape[1])
        func split(_ t: Tensor, _ length: Int) -> Tensor {
            t.reshaped([b, length, heads, headDim]).permuted([0, 2, 1, 3])
        }
        let q = split(toQ(x), n), k = split(toK(source), m), v = split(toV(source), m)
        let attention = (q.matmul(k.transposed()) * (1 / Float(headDim).squareRoot())).softmax(axis: -1)
        let out = toOut(attention.matmul(v).permuted([0, 2, 1, 3]).reshaped([b, n, heads * headDim]))
        return residual.map { out + $0 } ?? out
    }
}

/// `x·GELU(gate)` where `[x, gate] = proj(input)` split in halves on the last axis (latent-diffusion `GEGLU`).
public final class GEGLU: Module, UnaryLayer {
    public let proj: Linear

    public init(_ dimIn: Int, _ dimOut: Int, generator: inout TensorRandom) {
        proj = Linear(dimIn, dimOut * 2, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { proj(x).geglu() }
}

/// Gated feed-forward `Sequential(GEGLU(dim, 4·dim), Dropout, Linear(4·dim, dim))` (latent-diffusion
/// `FeedForward(glu=True)`; key prefix `net.`).
public final class FeedForward: Module, UnaryLayer {
    public let net: Sequential

    public init(_ dim: Int, multiplier: Int = 4, generator: inout TensorRandom) {
        let inner = dim * multiplier
        net = Sequential([GEGLU(dim, inner, generator: &generator), Dropout(), Linear(inner, dim, generator: &generator)])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { net(x) }

    /// `net(x) + residual`; with recording off the sum is a post-op of the last product's kernel.
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        guard !GradMode.enabled, net.layers.count == 3, let gated = net.layers[0] as? GEGLU, let output = net.layers[2] as? Linear else {
            return net(x) + residual
        }
        // GEGLU, Dropout(p = 0) (an identity), Linear.
        return gated(x).linear(weight: output.weight, bias: output.bias, activation: nil, adding: residual)
    }
}

/// Self-attention, cross-attention to the context and feed-forward, each pre-normalised and residual
/// (latent-diffusion `BasicTransformerBlock`).
public final class BasicTransformerBlock: Module {
    public let attn1: CrossAttention
    public let ff: FeedForward
    public let attn2: CrossAttention
    public let norm1: LayerNorm
    public let norm2: LayerNorm
    public let norm3: LayerNorm

    public init(dim: Int, heads: Int, headDim: Int, contextDim: Int?, generator: inout TensorRandom) {
        attn1 = CrossAttention(queryDim: dim, heads: heads, headDim: headDim, generator: &generator)
        ff = FeedForward(dim, generator: &generator)
        attn2 = CrossAttention(queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim, generator: &generator)
        norm1 = LayerNorm(dim)
        norm2 = LayerNorm(dim)
        norm3 = LayerNorm(dim)
    }

    public func callAsFunction(_ x: Tensor, context: Tensor?) -> Tensor {
        var h = attn1(norm1(x), context: nil, adding: x)
        h = attn2(norm2(h), context: context, adding: h)
        return ff(norm3(h), adding: h)
    }
}

/// Transformer over the pixels of a feature map, conditioned on a context sequence (latent-diffusion
/// `SpatialTransformer`; with a context, the same keys and computation as diffusers' `Transformer2DModel` with 1×1-conv
/// projections): GroupNorm(`groups`, ε 1e-6), 1×1 in-projection, transformer blocks, 1×1 out-projection, residual.
public final class SpatialTransformer: Module {
    public let norm: GroupNorm
    public let projIn: Conv2d
    public let transformerBlocks: [BasicTransformerBlock]
    public let projOut: Conv2d

    /// - Parameters:
    ///   - groups: the GroupNorm's groups (32 in latent diffusion and diffusers' default `norm_num_groups`).
    ///   - zeroInitialisedOutput: latent diffusion's `zero_module(proj_out)` (true); diffusers initialises
    ///     `proj_out` as PyTorch's default (false).
    public init(channels: Int, heads: Int, headDim: Int, depth: Int = 1, contextDim: Int?, groups: Int = 32,
                zeroInitialisedOutput: Bool = true, generator: inout TensorRandom) {
        let inner = heads * headDim
        norm = GroupNorm(groups: groups, channels: channels, eps: 1e-6)
        projIn = Conv2d(channels, inner, kernelSize: 1, generator: &generator)
        transformerBlocks = (0..<depth).map { _ in
            BasicTransformerBlock(dim: inner, heads: heads, headDim: headDim, contextDim: contextDim, generator: &generator)
        }
        projOut = Conv2d(inner, channels, kernelSize: 1, generator: &generator)
        if zeroInitialisedOutput {
            for p in projOut.parameters() { p.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        }
    }

    public func callAsFunction(_ x: Tensor, context: Tensor?) -> Tensor {
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let projected = projIn(norm(x))
        let inner = projected.shape[1]
        var tokens = projected.reshaped([b, inner, h * w]).permuted([0, 2, 1])
        for block in transformerBlocks { tokens = block(tokens, context: context) }
        let out = projOut(tokens.permuted([0, 2, 1]).reshaped([b, inner, h, w]))
        precondition(out.shape[1] == c)
        return out + x
    }
}
