import WildTensor

/// What conditions a Stable Diffusion U-Net step besides the latent and the time step: the text embedding, and for
/// SSP-IR's Prior-Guided Attention the refined image embedding and the ControlNet's structure residuals.
public struct PriorConditions {
    /// `[B, L, cross_attention_dim]`: the (chunked) CLIP text embedding, keys and values of every `attentions` block.
    public var text: Tensor
    /// `[B, N, image_cross_attention_dim]`: the Refine Layer's image embedding (SSP-IR's implicit semantic prior),
    /// keys and values of every `image_attentions` block; required by a U-Net that has them.
    public var image: Tensor?
    /// The ControlNet's residuals (SSP-IR's structure prior), added to the skips and the middle output as in every
    /// ControlNet, and the keys and values of every `pixel_attentions` block; required by a U-Net that has them.
    public var control: ControlNetResiduals?

    public init(text: Tensor, image: Tensor? = nil, control: ControlNetResiduals? = nil) {
        self.text = text
        self.image = image
        self.control = control
    }
}

/// A ControlNet's output for one U-Net step (Zhang et al. 2023, ControlNet §3.2): one residual per U-Net skip
/// connection, in the order the down blocks produce them, and one for the middle block's output.
public struct ControlNetResiduals {
    /// One per skip connection (``UNet2DConditionConfiguration/skipCount``), shaped as that skip.
    public var down: [Tensor]
    /// The middle block's, shaped as its output.
    public var mid: Tensor

    public init(down: [Tensor], mid: Tensor) {
        self.down = down
        self.mid = mid
    }
}
