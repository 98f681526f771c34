import WildTensor

/// diffusers' `CrossAttnUpBlock2D`, or `UpBlock2D` when built without attention, with SSP-IR's Prior-Guided
/// Attention (`unet_2d_blocks.py`): per layer, concatenate the next skip → resnet → `image_attentions[j]` →
/// `attentions[j]` → `pixel_attentions[j]` (structure attention: keys and values are the ControlNet residual of the
/// skip just consumed, as `b (h w) c`); then nearest ×2 and a convolution unless it is the last block.
///
/// In a block without text attention (SD's first up block) SSP-IR builds the structure attention with one head
/// of the block's full width.
public final class CrossAttentionUpBlock2D: Module {
    public let resnets: [ResnetBlock2D]
    public let attentions: [Transformer2DModel]
    public let imageAttentions: [Transformer2DModel]
    public let pixelAttentions: [Transformer2DModel]
    public let upsamplers: [Upsample2D]

    init(inChannels: Int, previousOutChannels: Int, outChannels: Int, attention: Bool, upsample: Bool,
         configuration c: UNet2DConditionConfiguration, generator g: inout TensorRandom) {
        var resnets: [ResnetBlock2D] = [], attentions: [Transformer2DModel] = []
        var imageAttentions: [Transformer2DModel] = [], pixelAttentions: [Transformer2DModel] = []
        let layers = c.layersPerBlock + 1
        let heads = attention ? c.attentionHeads : 1
        for layer in 0..<layers {
            let skipChannels = layer == layers - 1 ? inChannels : outChannels
            let resnetIn = layer == 0 ? previousOutChannels : outChannels
            resnets.append(ResnetBlock2D(inChannels: resnetIn + skipChannels, outChannels: outChannels,
                                         timeEmbeddingChannels: c.timeEmbeddingDim, groups: c.normNumGroups, eps: c.normEps,
                                         generator: &g))
            func transformer(contextDim: Int) -> Transformer2DModel {
                Transformer2DModel(heads: heads, headDim: outChannels / heads, inChannels: outChannels, contextDim: contextDim,
                                   groups: c.normNumGroups, generator: &g)
            }
            if attention {
                attentions.append(transformer(contextDim: c.crossAttentionDim))
                if let imageDim = c.imageCrossAttentionDim { imageAttentions.append(transformer(contextDim: imageDim)) }
            }
            // SSP-IR sizes the plain block's structure keys by its output width, the others' by the skip's; SD's
            // plain block has equal widths, and the configuration refuses others.
            if c.structureAttention { pixelAttentions.append(transformer(contextDim: attention ? skipChannels : outChannels)) }
        }
        self.resnets = resnets
        self.attentions = attentions
        self.imageAttentions = imageAttentions
        self.pixelAttentions = pixelAttentions
        upsamplers = upsample ? [Upsample2D(channels: outChannels, generator: &g)] : []
    }

    /// - Parameters:
    ///   - skips: this block's skip connections, consumed from the last.
    ///   - structure: the ControlNet residuals of those skips (same order), for the structure attention.
    func callAsFunction(_ x: Tensor, skips: [Tensor], structure: [Tensor]?, timeEmbedding: Tensor,
                        conditions: PriorConditions) -> Tensor {
        var h = x
        for (layer, resnet) in resnets.enumerated() {
            h = resnet(Tensor.concatenate([h, skips[skips.count - 1 - layer]], axis: 1), timeEmbedding: timeEmbedding)
            if layer < imageAttentions.count { h = imageAttentions[layer](h, context: conditions.image) }
            if layer < attentions.count { h = attentions[layer](h, context: conditions.text) }
            if layer < pixelAttentions.count, let structure {
                let residual = structure[structure.count - 1 - layer]
                let (b, c, height, width) = (residual.shape[0], residual.shape[1], residual.shape[2], residual.shape[3])
                h = pixelAttentions[layer](h, context: residual.reshaped([b, c, height * width]).permuted([0, 2, 1]))
            }
        }
        for upsampler in upsamplers { h = upsampler(h) }
        return h
    }
}
