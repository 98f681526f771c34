import WildTensor

/// The conditional U-Net of IR-SDE / DACLIP-IR (`ConditionalUNet` in the official `DenoisingUNet_arch.py`):
/// predicts the noise of the state `x_t` given the low-quality condition μ, the time step and optional contexts.
///
/// Parameter names equal the official state dict's, so published checkpoints load strictly.
public final class ConditionalUNet: Module {
    public let configuration: ConditionalUNetConfiguration

    public let initConv: Conv2d
    public let downsample: Conv2d?
    public let upsample: Sequential?
    /// `Sequential(SinusoidalPosEmb, Linear, GELU, Linear)`.
    public let timeMlp: Sequential
    public let prompt: Tensor?
    public let textMlp: Sequential?
    public let promptMlp: Linear?
    /// The network's own degradation encoder (`degradation_encoder`, WildIR's), when it has one.
    public let degradationEncoder: DegradationEncoder?
    /// The network's learned unsharp mask (`unsharp_mask`, WildIR's), when it has one.
    public let unsharpMask: LearnedUnsharpMask?
    public let downs: [UNetLevel]
    public let ups: [UNetLevel]
    public let midBlock1: ResBlock
    public let midAttn: ResidualPreNorm
    public let midBlock2: ResBlock
    public let finalResBlock: ResBlock
    public let finalConv: Conv2d

    public convenience init(_ configuration: ConditionalUNetConfiguration, seed: UInt64 = 0) {
        self.init(configuration, generator: TensorRandom(seed: seed))
    }

    /// A network of `configuration` drawn from `generator` (``TensorRandom/placeholder`` when a checkpoint is loaded
    /// next: the parameters are then zeros, made without drawing).
    public init(_ configuration: ConditionalUNetConfiguration, generator: TensorRandom) {
        self.configuration = configuration
        var g = generator
        let nf = configuration.baseChannels, timeDim = configuration.timeDim
        let headChannels = 32
        initConv = defaultConv(configuration.inChannels * 2, nf, kernelSize: 7, generator: &g)
        if configuration.scale == 0.5 {
            downsample = Conv2d(nf, nf, kernelSize: 4, stride: 2, padding: 1, generator: &g)
            upsample = Sequential([NearestUpsample(), Conv2d(nf, nf, kernelSize: 3, padding: 1, generator: &g)])
        } else {
            downsample = nil
            upsample = nil
        }
        timeMlp = Sequential([SinusoidalPositionEmbedding(nf), Linear(nf, timeDim, generator: &g), GELU(),
                              Linear(timeDim, timeDim, generator: &g)])
        if configuration.hasContext && configuration.useDegradationContext, let contextDim = configuration.contextDim {
            var values = [Float](repeating: 0, count: timeDim)
            for i in values.indices { values[i] = g.unit() }
            prompt = Tensor(shape: [1, timeDim], values: values, requiresGrad: true)
            textMlp = Sequential([Linear(contextDim, timeDim, generator: &g), SiLU(), Linear(timeDim, timeDim, generator: &g)])
            promptMlp = Linear(timeDim, timeDim, generator: &g)
        } else {
            prompt = nil
            textMlp = nil
            promptMlp = nil
        }
        let multipliers = [1] + configuration.channelMultipliers
        let depth = configuration.depth
        let imageContext = configuration.useImageContext && configuration.hasContext
        func attention(_ dim: Int, deepest: Bool) -> AttentionLayer {
            if imageContext && deepest {
                return .spatialTransformer(SpatialTransformer(channels: dim, heads: dim / headChannels, headDim: headChannels,
                                                              contextDim: configuration.contextDim, generator: &g))
            }
            return .linear(LinearAttention(dim, generator: &g))
        }
        var downs: [UNetLevel] = [], ups: [UNetLevel] = []
        for i in 0..<depth {
            let dimIn = nf * multipliers[i], dimOut = nf * multipliers[i + 1]
            let last = i == depth - 1
            let down = UNetLevel(
                ResBlock(dimIn, dimIn, timeEmbeddingDim: timeDim, generator: &g),
                ResBlock(dimIn, dimIn, timeEmbeddingDim: timeDim, generator: &g),
                ResidualPreNorm(dimIn, attention(dimIn, deepest: last)),
                sampler: last ? defaultConv(dimIn, dimOut, generator: &g)
                    : Conv2d(dimIn, dimOut, kernelSize: 4, stride: 2, padding: 1, generator: &g))
            let up = UNetLevel(
                ResBlock(dimOut + dimIn, dimOut, timeEmbeddingDim: timeDim, generator: &g),
                ResBlock(dimOut + dimIn, dimOut, timeEmbeddingDim: timeDim, generator: &g),
                ResidualPreNorm(dimOut, attention(dimOut, deepest: last)),
                sampler: i != 0 ? Sequential([NearestUpsample(), Conv2d(dimOut, dimIn, kernelSize: 3, padding: 1, generator: &g)])
                    : defaultConv(dimOut, dimIn, generator: &g))
            downs.append(down)
            ups.insert(up, at: 0)
        }
        self.downs = downs
        self.ups = ups
        let midDim = nf * multipliers[depth]
        midBlock1 = ResBlock(midDim, midDim, timeEmbeddingDim: timeDim, generator: &g)
        midAttn = ResidualPreNorm(midDim, imageContext
            ? .spatialTransformer(SpatialTransformer(channels: midDim, heads: midDim / headChannels, headDim: headChannels,
                                                     contextDim: configuration.contextDim, generator: &g))
            : .linear(LinearAttention(midDim, generator: &g)))
        midBlock2 = ResBlock(midDim, midDim, timeEmbeddingDim: timeDim, generator: &g)
        finalResBlock = ResBlock(nf * 2, nf, timeEmbeddingDim: timeDim, generator: &g)
        finalConv = Conv2d(nf, configuration.outChannels, kernelSize: 3, padding: 1, generator: &g)
        // Drawn last, so that the official modules' initial weights do not depend on whether it is there.
        degradationEncoder = configuration.degradationEncoderWidths.map {
            DegradationEncoder(inChannels: configuration.inChannels, widths: $0, outputDim: timeDim, generator: &g)
        }
        unsharpMask = configuration.unsharpSigmas.map {
            LearnedUnsharpMask(inChannels: nf, sigmas: $0, initialGains: configuration.unsharpInitialGains, generator: &g)
        }
    }

    /// Predicts the noise in `xt` (`[B, C, H, W]`) given the condition μ (`cond`, same shape), the time steps
    /// (`[B]` or one value for all), an optional degradation text embedding `[B, context]` and an optional image
    /// embedding `[B, context]`. A network with its own ``DegradationEncoder`` adds its embedding of `cond` to the
    /// time embedding, or `degradationEmbedding` when given: the whole image's, when `cond` is one tile of it. A
    /// network with a ``LearnedUnsharpMask`` adds its gains times the high-passes of `cond` to the output. Any
    /// H and W: the input is reflect-padded to a multiple of 2^depth and the output cropped back.
    public func callAsFunction(_ xt: Tensor, cond: Tensor, time: Tensor, textContext: Tensor? = nil,
                               imageContext: Tensor? = nil, degradationEmbedding: Tensor? = nil) -> Tensor {
        let (height, width) = (xt.shape[2], xt.shape[3])
        let multiple = 1 << configuration.depth
        var x = Tensor.concatenate([xt - cond, cond], axis: 1)
        let padRight = (multiple - width % multiple) % multiple, padBottom = (multiple - height % multiple) % multiple
        // Reflect padding as the reference; images smaller than the padding (where the reference fails) repeat
        // their edge instead.
        let mode: Tensor.PaddingMode = padRight < width && padBottom < height ? .reflect : .replicate
        x = x.padded(left: 0, right: padRight, top: 0, bottom: padBottom, mode: mode)
        x = initConv(x)
        let skip = x
        if let downsample { x = downsample(x) }

        var t = timeMlp(time.rank == 0 ? time.reshaped([1]) : time)
        if let textMlp, let prompt, let promptMlp, let textContext {
            t = t + promptMlp(textMlp(textContext).softmax(axis: 1) * prompt)
        }
        if let degradationEncoder { t = t + (degradationEmbedding ?? degradationEncoder(cond)) }
        let context = configuration.useImageContext ? imageContext.map { $0.reshaped([$0.shape[0], 1, $0.shape[1]]) } : nil

        var stack: [Tensor] = []
        for level in downs {
            x = level.block1(x, time: t)
            stack.append(x)
            x = level.attention(level.block2(x, time: t), context: context)
            stack.append(x)
            x = level.sample(x)
        }
        x = midBlock2(midAttn(midBlock1(x, time: t), context: context), time: t)
        for level in ups {
            x = level.block1(Tensor.concatenate([x, stack.removeLast()], axis: 1), time: t)
            x = level.block2(Tensor.concatenate([x, stack.removeLast()], axis: 1), time: t)
            x = level.sample(level.attention(x, context: context))
        }
        if let upsample { x = upsample(x) }
        let features = finalResBlock(Tensor.concatenate([x, skip], axis: 1), time: t)
        let output = finalConv(features).sliced(axis: 2, 0..<height).sliced(axis: 3, 0..<width)
        guard let unsharpMask else { return output }
        return output + unsharpMask(features: features, condition: cond)
    }
}

/// One level of the U-Net: `nn.ModuleList([ResBlock, ResBlock, Residual(PreNorm(attention)), sampler])`,
/// numbered 0–3 in the state dict.
public final class UNetLevel: Module {
    public let block1: ResBlock
    public let block2: ResBlock
    public let attention: ResidualPreNorm
    public let sampler: Module
    private let applySampler: (Tensor) -> Tensor

    init(_ block1: ResBlock, _ block2: ResBlock, _ attention: ResidualPreNorm, sampler: any UnaryLayer) {
        self.block1 = block1
        self.block2 = block2
        self.attention = attention
        self.sampler = sampler
        self.applySampler = { sampler($0) }
    }

    /// The down- or up-sampling step.
    public func sample(_ x: Tensor) -> Tensor { applySampler(x) }

    override public func namedChildren() -> [(key: String, module: Module)] {
        [("0", block1), ("1", block2), ("2", attention), ("3", sampler)]
    }
}
