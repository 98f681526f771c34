import WildTensor

/// diffusers' `UNetMidBlock2DCrossAttn` with SSP-IR's image attention: resnet → `image_attentions.0` →
/// `attentions.0` → resnet.
public final class UNetMidBlock2DCrossAttention: Module {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]
    public let imageAttentions: [Transformer2DModel]

    package init(channels: Int, configuration c: UNet2DConditionConfiguration, generator g: inout TensorRandom) {
        func resnet() -> ResnetBlock2D {
            ResnetBlock2D(inChannels: channels, outChannels: channels, timeEmbeddingChannels: c.timeEmbeddingDim,
                          groups: c.normNumGroups, eps: c.normEps, generator: &g)
        }
        resnets = [resnet(), resnet()]
        attentions = [Transformer2DModel(heads: c.attentionHeads, headDim: channels / c.attentionHeads, inChannels: channels,
                                         contextDim: c.crossAttentionDim, groups: c.normNumGroups, generator: &g)]
        imageAttentions = c.imageCrossAttentionDim.map {
            [Transformer2DModel(heads: c.attentionHeads, headDim: channels / c.attentionHeads, inChannels: channels,
                                contextDim: $0, groups: c.normNumGroups, generator: &g)]
        } ?? []
    }

    package func callAsFunction(_ x: Tensor, timeEmbedding: Tensor, conditions: PriorConditions) -> Tensor {
        var h = resnets[0](x, timeEmbedding: timeEmbedding)
        if let image = imageAttentions.first { h = image(h, context: conditions.image) }
        h = attentions[0](h, context: conditions.text)
        return resnets[1](h, timeEmbedding: timeEmbedding)
    }
}
