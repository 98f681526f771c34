import WildTensor

/// diffusers' `UNetMidBlock2D` as the VAE builds it (one layer, `add_attention=True`, no time embedding):
/// `resnets.0` → `attentions.0` (one head of C) → `resnets.1`.
public final class UNetMidBlock2D: Module, UnaryLayer {
    public let attentions: [Attention]
    public let resnets: [ResnetBlock2D]

    public init(channels: Int, groups: Int, eps: Float = 1e-6, generator: inout TensorRandom) {
        // diffusers registers `attentions` before `resnets`, but creates resnets[0] first: initialise in that order.
        let first = ResnetBlock2D(inChannels: channels, outChannels: channels, groups: groups, eps: eps, generator: &generator)
        attentions = [Attention(channels: channels, heads: 1, groups: groups, eps: eps, generator: &generator)]
        resnets = [first, ResnetBlock2D(inChannels: channels, outChannels: channels, groups: groups, eps: eps, generator: &generator)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        var h = resnets[0](x)
        for (attention, resnet) in zip(attentions, resnets.dropFirst()) { h = resnet(attention(h)) }
        return h
    }
}
