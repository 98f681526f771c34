import CLIPTokenizer
import Foundation
import SSPIR
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The whole SSP-IR restoration on tiny random networks (a VAE of factor 2, SD's text encoder at width 24 over
/// CLIP's vocabulary, the tiny CLIP image encoder of the fixtures, a Refine Layer, a Prior-Guided U-Net and its
/// ControlNet copy with non-zero residuals): shapes and sizes, seeds, the caption's and the structure branch's
/// influence, progress, cancellation, the VAE's tiles; and AdaIN's colour statistics in closed form.
final class SSPIRPipelineTests: XCTestCase {
    private static func pipeline() throws -> SSPIRPipeline {
        var g = TensorRandom(seed: 21)
        let vae = try AutoencoderKL(AutoencoderKLConfiguration(blockOutChannels: [8, 8], layersPerBlock: 1, normNumGroups: 4), generator: &g)
        var text = CLIPTextConfiguration()
        (text.width, text.intermediateSize, text.layers, text.heads) = (24, 48, 1, 2)
        let textEncoder = try CLIPTextModel(text, generator: &g)
        let vocabulary = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz")
        let tokenizer = try CLIPTokenizer(vocabularyURL: vocabulary)
        let imageEncoder = try CLIPImageEncoder.load(contentsOf: PriorFixture.url("image_encoder"))
        let refine = try RefineLayer(.init(width: 32, outputWidth: 16, hiddenLayers: 1), generator: &g)
        let configuration = UNet2DConditionConfiguration(blockOutChannels: [16, 32, 32], layersPerBlock: 1, attentionHeads: 2,
                                                         crossAttentionDim: 24, normNumGroups: 8, imageCrossAttentionDim: 16,
                                                         structureAttention: true)
        let unet = UNet2DConditionModel(configuration, generator: TensorRandom(seed: 22))
        let controlNet = try StructureControlNet(copying: unet, processor: .init(blockChannels: [4, 8], embeddingChannels: 16),
                                                 generator: TensorRandom(seed: 23))
        var random = TensorRandom(seed: 24)
        for convolution in controlNet.controlnetDownBlocks + [controlNet.controlnetMidBlock, controlNet.controlnetCondEmbedding.convOut] {
            convolution.weight.assign(random.normal(convolution.weight.shape) * 0.3)  // as trained: not the zeros of a new one
        }
        return SSPIRPipeline(vae: vae, textEncoder: textEncoder, tokenizer: tokenizer, imageEncoder: imageEncoder,
                             refine: refine, controlNet: controlNet, unet: unet)
    }

    func testRestorationKeepsTheSizeAndFollowsSeedsCaptionAndStructure() throws {
        let pipeline = try Self.pipeline()
        XCTAssertEqual(pipeline.sizeMultiple, 8)
        var random = TensorRandom(seed: 5)
        let lq = random.uniform([1, 3, 20, 28], bound: 1).abs()
        var options = SSPIRPipeline.Options()
        options.steps = 4
        options.scheduler = .ddpm
        var reported: [Int] = []
        let first = try pipeline.restore(lq, prompt: "a red flower", options: options) { step, steps in
            reported.append(step)
            XCTAssertEqual(steps, 4)
        }
        XCTAssertEqual(first.shape, [1, 3, 20, 28])
        XCTAssertEqual(reported, [1, 2, 3, 4])
        XCTAssertTrue(first.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertEqual(try pipeline.restore(lq, prompt: "a red flower", options: options).values, first.values, "a seed gives one result")
        func difference(_ a: Tensor, _ b: Tensor) -> Float { zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0 }
        var reseeded = options
        reseeded.seed = 1
        XCTAssertGreaterThan(difference(try pipeline.restore(lq, prompt: "a red flower", options: reseeded), first), 1e-4)
        XCTAssertGreaterThan(difference(try pipeline.restore(lq, prompt: "a grey wall", options: options), first), 1e-5,
                             "the caption steers the result")
        var withoutStructure = options
        withoutStructure.conditioningScale = 0
        XCTAssertGreaterThan(difference(try pipeline.restore(lq, prompt: "a red flower", options: withoutStructure), first), 1e-5,
                             "the structure branch's residuals reach the U-Net")
        var unguided = options
        unguided.guidance = 1
        XCTAssertEqual(try pipeline.restore(lq, prompt: "a red flower", options: unguided).shape, [1, 3, 20, 28])
        var tiled = options
        tiled.tiling = LatentTiling(side: 8, overlap: 4)   // latent 12×16: 2×3 tiles
        let tiles = try pipeline.restore(lq, prompt: "a red flower", options: tiled)
        XCTAssertEqual(tiles.shape, [1, 3, 20, 28])
        XCTAssertTrue(tiles.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertGreaterThan(difference(tiles, first), 1e-5, "tiles see less context than the whole latent")
        tiled.tiling = LatentTiling(side: 6, overlap: 2)
        XCTAssertThrowsError(try pipeline.restore(lq, prompt: "", options: tiled)) { error in
            XCTAssertTrue("\(error)".contains("multiple of 4"), "\(error)")
        }
        var cancelled = false
        XCTAssertThrowsError(try pipeline.restore(lq, prompt: "", options: options, progress: { _, _ in cancelled = true },
                                                  isCancelled: { cancelled }))
        XCTAssertThrowsError(try pipeline.restore(Tensor.zeros([2, 3, 16, 16]), prompt: "")) { error in
            XCTAssertTrue("\(error)".contains("the LQ image"), "\(error)")
        }
    }

    /// The VAE's tiles: an image (padded to 24 × 32) within one 32-pixel tile restores exactly as with the default
    /// 512-pixel tiles; 16-pixel tiles (2 × 3 of them, diffusers' tiled encode and decode) keep the size and range and
    /// change the result; tiles the VAE refuses are a typed error before anything runs.
    func testTheVAERunsOnTilesLargerImagesOnly() throws {
        let pipeline = try Self.pipeline()
        var random = TensorRandom(seed: 6)
        let lq = random.uniform([1, 3, 20, 28], bound: 1).abs()
        var options = SSPIRPipeline.Options()
        options.steps = 2
        options.guidance = 1
        XCTAssertEqual(options.vaeTiling, AutoencoderKLTiling(sampleTileSize: 512, overlapFactor: 0.25))
        let reference = try pipeline.restore(lq, prompt: "a red flower", options: options)
        var oneTile = options
        oneTile.vaeTiling = AutoencoderKLTiling(sampleTileSize: 32)
        XCTAssertEqual(try pipeline.restore(lq, prompt: "a red flower", options: oneTile).values, reference.values,
                       "within one tile the VAE runs on the whole image")
        var tiled = options
        tiled.vaeTiling = AutoencoderKLTiling(sampleTileSize: 16)
        let tiles = try pipeline.restore(lq, prompt: "a red flower", options: tiled)
        XCTAssertEqual(tiles.shape, [1, 3, 20, 28])
        XCTAssertTrue(tiles.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertGreaterThan(zip(tiles.values, reference.values).map { abs($0 - $1) }.max() ?? 0, 1e-5)
        var bad = options
        bad.vaeTiling = AutoencoderKLTiling(sampleTileSize: 16, overlapFactor: 1)
        var stepped = false
        XCTAssertThrowsError(try pipeline.restore(lq, prompt: "", options: bad, progress: { _, _ in stepped = true })) { error in
            guard case .invalidConfiguration(field: "tile_overlap_factor", _)? = error as? StableDiffusionError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertFalse(stepped, "refused before sampling")
    }

    /// AdaIN gives each channel the reference's mean and √(unbiased variance + 1e-5).
    func testAdaINTakesTheReferencesChannelStatistics() {
        var random = TensorRandom(seed: 8)
        let result = random.normal([1, 3, 6, 5]) * 2 + 1, reference = random.uniform([1, 3, 6, 5], bound: 1)
        let fixed = ColourFix.adain.apply(result, reference: reference)
        for c in 0..<3 {
            func stats(_ t: Tensor) -> (Double, Double) {
                let v = t.values[(c * 30)..<((c + 1) * 30)].map(Double.init)
                let mean = v.reduce(0, +) / 30
                return (mean, v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 29)
            }
            let (m, v) = stats(fixed), (rm, rv) = stats(reference)
            XCTAssertEqual(m, rm, accuracy: 1e-5)
            // The result's own +1e-5 and the reference's: σ_out² = (rv + 1e-5)·v_result/(v_result + 1e-5).
            XCTAssertEqual(v, rv, accuracy: 2e-5)
        }
        XCTAssertEqual(ColourFix.none.apply(result, reference: reference).values, result.values)
    }

    /// Tiles cover the latent, the last one flush with the end; where every tile predicts the same value at a
    /// position (a constant, or a function of the global position), the blend is exactly that value.
    func testLatentTilesBlendToWhatEveryTileAgreesOn() throws {
        let tiling = LatentTiling(side: 8, overlap: 3)
        XCTAssertEqual(tiling.origins(20), [0, 5, 10, 12])
        XCTAssertEqual(tiling.origins(8), [0])
        XCTAssertEqual(tiling.origins(5), [0])
        let shape = [1, 2, 20, 13]
        let constant = tiling.blend(shape: shape) { _, _, h, w in Tensor(shape: [1, 2, h, w], repeating: 0.25) }
        XCTAssertTrue(constant.values.allSatisfy { abs($0 - 0.25) < 1e-6 })
        func global(_ c: Int, _ y: Int, _ x: Int) -> Float { Float(c * 1000 + y * 20 + x) }
        let map = tiling.blend(shape: shape) { y0, x0, h, w in
            Tensor(shape: [1, 2, h, w], values: (0..<2).flatMap { c in (0..<h).flatMap { y in (0..<w).map { x in global(c, y0 + y, x0 + x) } } })
        }
        for c in 0..<2 { for y in 0..<20 { for x in 0..<13 {
            XCTAssertEqual(map.values[(c * 20 + y) * 13 + x], global(c, y, x), accuracy: 1e-3)
        } } }
        // The official weights: a Gaussian across the tile, largest in the middle, symmetric.
        let weights = LatentTiling.weights(height: 1, width: 8)
        XCTAssertEqual(weights[0], weights[7], accuracy: 1e-6)
        XCTAssertGreaterThan(weights[3], weights[0] * 10)
    }
}
