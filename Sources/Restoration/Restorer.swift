import DACLIP
import Foundation
import ImageTensors
import Imaging
import Models
import SDE
import WildTensor

/// Options of a restoration run (the flags of `wildir restore`).
public struct RestorationOptions: Sendable, Equatable {
    /// The reverse process: optimal posterior sampling, reverse SDE or ODE; nil uses the model's `sampling_mode`
    /// (posterior unless the model says otherwise).
    public var sampler: SamplingMethod?
    /// Sampling steps; nil uses the model's `sample_T` if it stores one, else its training T.
    public var steps: Int?
    /// Seed of the initial noise and of the sampler's noise; the same seed gives the same output.
    public var seed: UInt64 = 0
    /// Largest tile side in pixels; larger images are restored in overlapping tiles.
    public var tileSize: Int = 512
    /// Overlap of neighbouring tiles in pixels (blended linearly).
    public var overlap: Int = 32

    public init() {}
}

/// Progress of a restoration: the tile being restored and the sampling step within it.
public struct RestorationProgress: Sendable {
    public let tile: Int
    public let tiles: Int
    public let step: Int
    public let steps: Int

    /// Fraction done over all tiles and steps.
    public var fraction: Double { (Double(tile) + Double(step) / Double(max(steps, 1))) / Double(max(tiles, 1)) }
}

/// Restores photos with a `RestorationModel`: the noisy low-quality state μ + λε is driven back to t = 0 by the
/// chosen sampler (IR-SDE / DACLIP-IR inference), tile by tile for large images.
///
/// Any size and aspect ratio; gray images are restored as RGB and converted back (BT.601 luma); alpha is kept
/// unchanged; the output has the input's size and channel count, values clamped to [0, 1].
///
/// Networks conditioned on DA-CLIP (the official wild-IR and daclip-sde networks) need a ``DACLIPConditioner``: as
/// the official `test.py`, the embeddings come from the whole image (its colour planes), once per image, and every
/// tile and sampling step receives the same ones — the content embedding as `image_context`, the degradation
/// embedding as `text_context`. A network with its own ``DegradationEncoder`` likewise gets the embedding of the
/// whole image, not of each tile.
public final class Restorer {
    public let model: RestorationModel
    public let options: RestorationOptions
    /// The DA-CLIP that conditions the network, if it needs one.
    public let conditioner: DACLIPConditioner?
    private let sde: MeanRevertingSDE
    /// Test seam (package access, not an option): the Gaussian draws of tile `index` (its initial noise, then one per
    /// step), so the parity tests can replay the official loops' draws; nil draws from ``tileRandom(seed:tile:)``.
    package var tileNoise: ((_ index: Int) -> any GaussianNoiseSource)?

    /// - Throws: ``RestorationError/invalidOption(_:)`` for bad tiles or steps, ``RestorationError/daclipRequired(_:)``
    ///   when the network needs DA-CLIP and `conditioner` is nil, ``RestorationError/incompatibleDACLIP(_:)`` when
    ///   the network cannot take the conditioner's embeddings.
    public init(model: RestorationModel, options: RestorationOptions = RestorationOptions(),
                conditioner: DACLIPConditioner? = nil) throws {
        guard options.tileSize >= 32 else { throw RestorationError.invalidOption("tile size must be at least 32, got \(options.tileSize)") }
        guard options.overlap >= 0 && options.overlap < options.tileSize / 2 else {
            throw RestorationError.invalidOption("overlap must lie in 0..<\(options.tileSize / 2), got \(options.overlap)")
        }
        let configuration = model.network.configuration
        if let conditioner {
            try conditioner.check(network: configuration)
        } else if configuration.takesDACLIPContext {
            let reads = [configuration.useImageContext ? "its content embedding (image context)" : nil,
                         configuration.useDegradationContext ? "its degradation embedding (prompt)" : nil].compactMap { $0 }
            throw RestorationError.daclipRequired(
                "this network is conditioned on DA-CLIP (\(reads.joined(separator: " and ")), context_dim "
                + "\(configuration.contextDim ?? 0)): give the DA-CLIP weights it was trained with (`wildir restore --daclip "
                + "FILE`; wild-daclip_ViT-L-14.pt for the official wild-IR network)")
        }
        // Without an explicit step count, the model's own `sample_T` (if it stores one), else all T steps.
        let steps = options.steps ?? model.sdeOptions.sampleSteps
        if let steps, steps < 1 || steps > model.sdeOptions.steps {
            throw RestorationError.invalidOption("steps must lie in 1…\(model.sdeOptions.steps), got \(steps)")
        }
        self.model = model
        self.options = options
        self.conditioner = conditioner
        self.sde = try model.sdeOptions.makeSDE(sampleSteps: steps)
    }

    /// Restores one image.
    ///
    /// - Parameters:
    ///   - progress: called after every sampling step.
    ///   - isCancelled: asked before every sampling step; when it answers `true` the restoration stops there and
    ///     throws ``RestorationError/cancelled`` (a server's cancel button or time limit).
    public func restore(_ image: Image, progress: ((RestorationProgress) -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil) throws -> Image {
        let colour = try Self.networkInput(image, channels: model.network.configuration.inChannels)
        // The whole image's embeddings, once, shared by every tile: DA-CLIP's, and the network's own degradation
        // embedding (which must not see one tile only).
        let conditioning = try conditioner?.conditioning(for: colour)
        let ownDegradation = model.network.degradationEncoder.map { encoder in
            withNoGrad { encoder.embedding(of: Tensor(image: colour)) }
        }
        let plan = TilePlan(width: image.width, height: image.height, tileSize: options.tileSize, overlap: options.overlap)
        let sampler = ReverseSampler(sde: sde, method: options.sampler ?? model.sdeOptions.samplingMode)
        let restored = try plan.blend(colour) { tile, index in
            try restoreTile(tile, index: index, sampler: sampler, conditioning: conditioning, degradation: ownDegradation,
                            isCancelled: isCancelled) { step, steps in
                progress?(RestorationProgress(tile: index, tiles: plan.tiles.count, step: step, steps: steps))
            }
        }
        guard restored.samples.allSatisfy(\.isFinite) else { throw RestorationError.nonFiniteOutput }
        return try Self.outputImage(restored: restored.clamped, like: image)
    }

    /// Runs the sampler on one tile; its random stream depends only on the seed and the tile's index
    /// (``tileRandom(seed:tile:)``), the initial noise being its first draws.
    private func restoreTile(_ tile: Image, index: Int, sampler: ReverseSampler, conditioning: ImageConditioning?,
                             degradation: Tensor?, isCancelled: (() -> Bool)?,
                             progress: @escaping (Int, Int) -> Void) throws -> Image {
        var random: any GaussianNoiseSource = tileNoise?(index) ?? Self.tileRandom(seed: options.seed, tile: index)
        let mu = Tensor(image: tile)
        let state = sde.initialState(mu: mu, noise: random.normal(mu.shape))
        let network = model.network
        let predictor: NoisePredictor = { x, mu, time in
            network(x, cond: mu, time: Tensor(shape: [1], values: [time]), textContext: conditioning?.degradation,
                    imageContext: conditioning?.content, degradationEmbedding: degradation)
        }
        guard let isCancelled else {
            return try sampler.sample(from: state, mu: mu, noise: &random, progress: progress, predictor: predictor).image()
        }
        // The sampler's loop, one step at a time, so that a cancellation stops it between two steps.
        let output = try withNoGrad {
            var x = state
            for (done, t) in (1...sde.steps).reversed().enumerated() {
                if isCancelled() { throw RestorationError.cancelled }
                x = sampler.step(x, mu: mu, t: t, noise: &random, predictor: predictor)
                progress(done + 1, sde.steps)
            }
            return x
        }
        return try output.image()
    }

    /// The random stream of tile `tile` (0-based, in ``TilePlan`` order) under `seed`: SplitMix64 seeded with
    /// `seed + 0x9E3779B9 · (tile + 1)` (wrapping). Its first C·H·W normals, in NCHW order, are the tile's initial
    /// noise ε of x_T = μ + λε; the sampler's own noise follows.
    public static func tileRandom(seed: UInt64, tile: Int) -> TensorRandom {
        TensorRandom(seed: seed &+ 0x9E37_79B9 &* UInt64(tile + 1))
    }

    /// The colour planes the network sees: alpha dropped, gray replicated to the network's channel count.
    static func networkInput(_ image: Image, channels: Int) throws -> Image {
        let colour = image.droppingAlpha
        if colour.channels == channels { return colour }
        guard colour.channels == 1 && channels == 3 else {
            throw RestorationError.invalidOption("the network restores \(channels)-channel images; this one has \(colour.channels)")
        }
        return colour.expandedToRGB()
    }

    /// Back to the input's layout: gray from BT.601 luma when the input was gray, the input's alpha re-attached.
    static func outputImage(restored: Image, like input: Image) throws -> Image {
        var planes = restored.samples
        let plane = input.width * input.height
        if input.colourChannels == 1 && restored.channels == 3 {
            planes = (0..<plane).map { 0.299 * planes[$0] + 0.587 * planes[plane + $0] + 0.114 * planes[2 * plane + $0] }
        }
        if input.hasAlpha { planes += input.samples[(input.channels - 1) * plane ..< input.channels * plane] }
        return try Image(width: input.width, height: input.height, channels: input.channels, samples: planes)
    }
}
