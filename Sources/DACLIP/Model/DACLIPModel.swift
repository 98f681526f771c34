import WildTensor

/// DA-CLIP, the degradation-aware CLIP of DACLIP-IR (Luo et al., "Controlling Vision-Language Models for
/// Multi-Task Image Restoration", ICLR 2024; daclip-uir `open_clip/daclip_model.py`).
///
/// - `clip`: a frozen CLIP (``CLIPModel``); `visual` is the official alias of `clip.visual` (the same module
///   registered twice, so official state dicts hold both `visual.*` and `clip.visual.*`).
/// - `visual_control`: the image controller, a copy of CLIP's image tower whose blocks are wrapped by a
///   ``ControlTransformer``; it yields the degradation embedding and one control per block.
/// - `logit_scale`: the trained temperature of the contrastive loss (`clip.logit_scale` stays frozen).
///
/// ``namedParameters()`` lists each tensor once (PyTorch's `named_parameters()` drops the alias too); the official
/// `state_dict` order is kept: `logit_scale`, `clip.*`, then `visual_control.*`.
public final class DACLIPModel: Module {
    public let logitScale: Tensor
    public let clip: CLIPModel
    public let visualControl: VisionTransformer<ControlTransformer>

    /// The official alias `DaCLIP.visual` of `clip.visual`.
    public var visual: VisionTransformer<Transformer> { clip.visual }
    /// The hyper-parameters.
    public var configuration: CLIPConfiguration { clip.configuration }

    /// A DA-CLIP of `configuration` with random weights (OpenCLIP's scales, drawn from `seed`); as the official
    /// constructor, the controller starts as a copy of CLIP's image tower with zero `zero_modules`.
    /// - Throws: ``DACLIPError/invalidConfiguration(field:reason:)`` when the configuration cannot be built.
    public convenience init(configuration: CLIPConfiguration, seed: UInt64 = 0) throws {
        try self.init(configuration: configuration, generator: TensorRandom(seed: seed))
    }

    /// A DA-CLIP of `configuration` drawn from `generator`; with ``TensorRandom/placeholder`` (a checkpoint is loaded
    /// next) every parameter is zero and the controller is not copied from CLIP's tower.
    init(configuration: CLIPConfiguration, generator: TensorRandom) throws {
        try configuration.validate()
        var generator = generator
        let clip = CLIPModel(configuration, generator: &generator)
        self.clip = clip
        let v = configuration.vision
        let copy = Transformer(width: v.width, layers: v.layers, heads: v.heads, mlpWidth: v.mlpWidth, generator: &generator)
        visualControl = VisionTransformer(v, embedDim: configuration.embedDim,
                                          trunk: ControlTransformer(copy, generator: &generator), generator: &generator)
        let logitScale = clip.logitScale.copy()
        logitScale.requiresGrad = true
        self.logitScale = logitScale
        super.init()
        guard generator.drawsValues else { return }
        let controller = Dictionary(uniqueKeysWithValues: visualControl.namedParameters().map { ($0.name, $0.tensor) })
        for (name, tensor) in clip.visual.namedParameters() {
            controller[name.hasPrefix("transformer.") ? "transformer." + name : name]?.assign(tensor)
        }
    }

    /// Which controller output meets which frozen block. The official pairing is reversed: the frozen pass pops
    /// the controls from the end of the list (`x += control.pop()`), so frozen block i receives control L−1−i.
    enum ControlPairing {
        /// Official: block i gets the control of controller block L−1−i.
        case reversed
        /// Block i gets control i (not DA-CLIP; kept so tests can show it is distinguishable).
        case blockOrder
    }

    /// The controller pass over preprocessed images `[B, 3, S, S]`: the degradation features `[B, embed]` (the
    /// controller's own `ln_post(x[:, 0])·proj`, not normalised) and the controls `z_i(x_i)` `[B, L, W]` in controller
    /// block order (OpenCLIP layout `[L, B, W]` transposed). Records gradients when gradient mode is on.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for a batch of another shape.
    public func controls(for pixels: Tensor) throws -> (degradation: Tensor, controls: [Tensor]) {
        try visualControl.check(pixels)
        let (degradation, controls) = visualControl(pixels)
        return (degradation, controls)
    }

    /// Content and degradation features, recording gradients when gradient mode is on
    /// (`DaCLIP.encode_image(image, control=True)` with the given pairing).
    func imageFeatures(_ pixels: Tensor, pairing: ControlPairing) throws -> (content: Tensor, degradation: Tensor) {
        let (degradation, controls) = try self.controls(for: pixels)
        let residuals = pairing == .reversed ? Array(controls.reversed()) : controls
        return (clip.visual(pixels, adding: residuals).features, degradation)
    }

    /// The image embeddings of preprocessed images `[B, 3, S, S]` (CLIP-normalised pixels), exactly as the official
    /// `DaCLIP.encode_image(image, control=…)`, without recording gradients and without L2 normalisation.
    ///
    /// With `control`, the controller runs first and records `z_i(x_i)` after each of its blocks; then CLIP's frozen
    /// tower runs with control L−1−i added to its stream after block i (the reversed pairing of the official code),
    /// and `content` is its pooled, projected class token; `degradation` is the controller's. Without `control`,
    /// `content` is plain CLIP (`clip.encode_image`) and `degradation` is nil.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for a batch of another shape.
    public func encodeImage(_ pixels: Tensor, control: Bool) throws -> (content: Tensor, degradation: Tensor?) {
        try withMatmulPrecision(inferencePrecision) { try withNoGrad {
            if control {
                let (content, degradation) = try imageFeatures(pixels, pairing: .reversed)
                return (content, degradation)
            }
            return (try clip.encodeImage(pixels), nil)
        } }
    }

    /// Text features `[B, embed]` of token-id rows (from CLIP's tokenizer, `context_length` ids or fewer), without
    /// recording gradients and not normalised: `DaCLIP.encode_text` = ``CLIPModel/encodeText(_:)``.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for malformed rows.
    public func encodeText(_ tokens: [[Int]]) throws -> Tensor {
        try withMatmulPrecision(inferencePrecision) { try withNoGrad { try clip.encodeText(tokens) } }
    }

    /// The precision of ``encodeImage(_:control:)`` and ``encodeText(_:)``'s linear layers; set it with
    /// ``useInferencePrecision(_:)``.
    public private(set) var inferencePrecision: MatmulPrecision = .float32

    /// Runs the encoders' linear layers in `precision` from now on: ``MatmulPrecision/bfloat16`` prepares bfloat16
    /// copies of the weights (about twice the Float32 speed on AVX512-BF16 CPUs, embeddings within bfloat16's
    /// rounding of Float32's; Float32 on other CPUs); ``MatmulPrecision/float32`` drops them.
    public func useInferencePrecision(_ precision: MatmulPrecision) {
        inferencePrecision = precision
        if precision == .bfloat16 { prepareBFloat16() } else { releaseBFloat16() }
    }

    /// The training forward pass (`DaCLIP.forward(image, cat(captions, degradations))`): the four feature sets,
    /// L2-normalised, and `exp(logit_scale)`. Records gradients when gradient mode is on.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for malformed inputs or a batch size that differs between them.
    public func callAsFunction(images pixels: Tensor, captions: [[Int]], degradations: [[Int]]) throws -> DACLIPOutput {
        guard captions.count == pixels.shape.first, degradations.count == captions.count else {
            throw DACLIPError.invalidInput("\(pixels.shape.first ?? 0) images, \(captions.count) captions and "
                + "\(degradations.count) degradation texts: the counts must agree")
        }
        let (content, degradation) = try imageFeatures(pixels, pairing: .reversed)
        return DACLIPOutput(
            imageFeatures: content.l2Normalised(), textFeatures: try clip.encodeText(captions).l2Normalised(),
            imageDegradationFeatures: degradation.l2Normalised(),
            textDegradationFeatures: try clip.encodeText(degradations).l2Normalised(), logitScale: logitScale.exp())
    }
}
