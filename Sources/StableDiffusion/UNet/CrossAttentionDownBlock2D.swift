import WildTensor

/// diffusers' `CrossAttnDownBlock2D`, or `DownBlock2D` when built without attention, with SSP-IR's image attentions
/// (`unet_2d_blocks.py`): per layer, resnet → `image_attentions[j]` (keys and values from the image embedding) →
/// `attentions[j]` (from the text); then a stride-2 convolution unless it is the last block. Every layer's output and
/// the down-sampled one are skip connections.
public final class CrossAttentionDownBlock2D: Module {
    public let resnets: [ResnetBlock2D]
    /// Text cross-attention, one per resnet; empty in a `DownBlock2D`.
    public let attentions: [Transformer2DModel]
    /// SSP-IR's image cross-attention, one per resnet; empty without it.
    public let imageAttentions: [Transformer2DModel]
    public let downsamplers: [Downsample2D]

    package init(inChannels: Int, outChannels: Int, attention: Bool, downsample: Bool, configuration c: UNet2DConditionConfiguration,
         generator g: inout TensorRandom) {
        var resnets: [ResnetBlock2D] = [], attentions: [Transformer2DModel] = [], imageAttentions: [Transformer2DModel] = []
        for layer in 0..<c.layersPerBlock {
            resnets.append(ResnetBlock2D(inChannels: layer == 0 ? inChannels : outChannels, outChannels: outChannels,
                                         timeEmbeddingChannels: c.timeEmbeddingDim, groups: c.normNumGroups, eps: c.normEps,
                                         generator: &g))
            guard attention else { continue }
            attentions.append(Transformer2DModel(heads: c.attentionHeads, headDim: outChannels / c.attentionHeads,
                                                 inChannels: outChannels, contextDim: c.crossAttentionDim,
                                                 groups: c.normNumGroups, generator: &g))
            if let imageDim = c.imageCrossAttentionDim {
                imageAttentions.append(Transformer2DModel(heads: c.attentionHeads, headDim: outChannels / c.attentionHeads,
                                                          inChannels: outChannels, contextDim: imageDim,
                                                          groups: c.normNumGroups, generator: &g))
            }
        }
        self.resnets = resnets
        self.attentions = attentions
        self.imageAttentions = imageAttentions
        downsamplers = downsample ? [Downsample2D(channels: outChannels, padding: 1, generator: &g)] : []
    }

    /// The block's output and its skip connections (one per layer, and the down-sampled output).
    package func callAsFunction(_ x: Tensor, timeEmbedding: Tensor, conditions: PriorConditions) -> (Tensor, [Tensor]) {
        var h = x
        var skips: [Tensor] = []
        for (layer, resnet) in resnets.enumerated() {
            h = resnet(h, timeEmbedding: timeEmbedding)
            if layer < imageAttentions.count { h = imageAttentions[layer](h, context: conditions.image) }
            if layer < attentions.count { h = attentions[layer](h, context: conditions.text) }
            skips.append(h)
        }
        for downsampler in downsamplers {
            h = downsampler(h)
            skips.append(h)
        }
        return (h, skips)
    }
}
