/// Group normalisation layer (PyTorch `nn.GroupNorm`, affine): `weight` ones, `bias` zeros, `[C]`.
public final class GroupNorm: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor
    public let groups: Int
    public let eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5) {
        precondition(channels % groups == 0, "GroupNorm: \(channels) channels in \(groups) groups")
        weight = Tensor(shape: [channels], repeating: 1, requiresGrad: true)
        bias = Tensor(shape: [channels], repeating: 0, requiresGrad: true)
        self.groups = groups
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps) }
}

/// Layer normalisation over the last axis (PyTorch `nn.LayerNorm(dim)`, affine).
public final class LayerNorm: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Tensor(shape: [dim], repeating: 1, requiresGrad: true)
        bias = Tensor(shape: [dim], repeating: 0, requiresGrad: true)
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }
}
