import WildTensor

/// The MLP of a transformer block, OpenCLIP's `mlp` `Sequential(c_fc, act, c_proj)`: `c_proj(act(c_fc(x)))` with
/// the exact (erf) GELU of `nn.GELU` (DA-CLIP's configs do not ask for QuickGELU) or QuickGELU.
public final class TransformerMLP: Module {
    public let cFc: Linear
    public let cProj: Linear
    /// The non-linearity between the two products.
    public let activation: CLIPActivation

    public init(width: Int, hidden: Int, activation: CLIPActivation = .gelu, generator: inout TensorRandom) {
        cFc = Linear(width, hidden, generator: &generator)
        cProj = Linear(hidden, width, generator: &generator)
        self.activation = activation
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { self(x, adding: nil) }

    /// `residual + c_proj(act(c_fc(x)))`; with recording off, the activation and the sum are post-ops of the two
    /// products' kernels (oneDNN's erf GELU, absolute error below 4·10⁻⁷, or its swish with α = 1.702).
    public func callAsFunction(_ x: Tensor, adding residual: Tensor?) -> Tensor {
        let hidden = x.linear(weight: cFc.weight, bias: cFc.bias, activation: activation.fused, adding: nil)
        return hidden.linear(weight: cProj.weight, bias: cProj.bias, activation: nil, adding: residual)
    }
}

/// A pre-LN transformer block, OpenCLIP `ResidualAttentionBlock` (no layer scale):
/// `x ← x + attn(ln_1(x), mask)`, then `x ← x + mlp(ln_2(x))`, LayerNorm ε = 1e-5.
public final class ResidualAttentionBlock: Module {
    public let ln1: LayerNorm
    public let attn: MultiheadAttention
    public let ln2: LayerNorm
    public let mlp: TransformerMLP

    public init(width: Int, heads: Int, mlpWidth: Int, activation: CLIPActivation = .gelu, generator: inout TensorRandom) {
        ln1 = LayerNorm(width, eps: 1e-5)
        attn = MultiheadAttention(width: width, heads: heads, generator: &generator)
        ln2 = LayerNorm(width, eps: 1e-5)
        mlp = TransformerMLP(width: width, hidden: mlpWidth, activation: activation, generator: &generator)
    }

    /// `ln_1`, `ln_2`: the official names keep the underscore before the digit.
    override public func stateKey(forProperty name: String) -> String? {
        switch name {
        case "ln1": return "ln_1"
        case "ln2": return "ln_2"
        default: return super.stateKey(forProperty: name)
        }
    }

    /// The block over tokens `x` `[B, L, W]`.
    public func callAsFunction(_ x: Tensor, mask: Tensor? = nil) -> Tensor {
        let h = attn(ln1(x), mask: mask, adding: x)
        return mlp(ln2(h), adding: h)
    }
}
