import WildTensor

/// Linear attention over pixels (`LinearAttention` of the IR-SDE `module_util.py`): q softmax over the head
/// channels, k softmax over positions, `out = (k·vᵀ)ᵀ·q` per head, then a 1×1 convolution and `ChannelLayerNorm`.
public final class LinearAttention: Module {
    public let toQkv: Conv2d
    /// `Sequential(Conv2d(hidden, dim, 1), ChannelLayerNorm(dim))`.
    public let toOut: Sequential
    public let heads: Int
    public let headDim: Int

    public init(_ dim: Int, heads: Int = 4, headDim: Int = 32, generator: inout TensorRandom) {
        let hidden = heads * headDim
        toQkv = Conv2d(dim, hidden * 3, kernelSize: 1, bias: false, generator: &generator)
        toOut = Sequential([Conv2d(hidden, dim, kernelSize: 1, generator: &generator), ChannelLayerNorm(dim)])
        self.heads = heads
        self.headDim = headDim
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (b, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        let n = h * w
        let qkv = toQkv(x).chunked(3, axis: 1).map { $0.reshaped([b, heads, headDim, n]) }
        let q = qkv[0].softmax(axis: -2) * (1 / Float(headDim).squareRoot())
        let k = qkv[1].softmax(axis: -1)
        let v = qkv[2] * (1 / Float(n))
        // context[d, e] = Σ_n k[d, n]·v[e, n];  out[e, n] = Σ_d context[d, e]·q[d, n].
        let context = k.matmul(v.transposed())
        let out = context.transposed().matmul(q)
        return toOut(out.reshaped([b, heads * headDim, h, w]))
    }
}

/// `PreNorm(dim, fn)` wrapped in `Residual`: `x + fn(ChannelLayerNorm(x), context)`. The two wrappers add the
/// `fn.fn.` / `fn.norm.` prefixes of the official state dict.
public final class ResidualPreNorm: Module {
    /// The `PreNorm` module (key `fn`).
    public let fn: PreNorm

    public init(_ dim: Int, _ attention: AttentionLayer) { fn = PreNorm(dim, attention) }

    public func callAsFunction(_ x: Tensor, context: Tensor?) -> Tensor { fn(x, context: context) + x }
}

/// `PreNorm`: channel LayerNorm, then the wrapped attention.
public final class PreNorm: Module {
    public let fn: Module
    public let norm: ChannelLayerNorm
    private let apply: (Tensor, Tensor?) -> Tensor

    init(_ dim: Int, _ attention: AttentionLayer) {
        norm = ChannelLayerNorm(dim)
        switch attention {
        case let .linear(layer): fn = layer; apply = { x, _ in layer(x) }
        case let .spatialTransformer(layer): fn = layer; apply = { x, c in layer(x, context: c) }
        }
    }

    public func callAsFunction(_ x: Tensor, context: Tensor?) -> Tensor { apply(norm(x), context) }
}

/// The attention a U-Net level uses.
public enum AttentionLayer {
    case linear(LinearAttention)
    case spatialTransformer(SpatialTransformer)
}
