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
/// influence, progress, cancellation; and AdaIN's colour statistics in closed form.
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
        var cancelled = false
        XCTAssertThrowsError(try pipeline.restore(lq, prompt: "", options: options, progress: { _, _ in cancelled = true },
                                                  isCancelled: { cancelled }))
        XCTAssertThrowsError(try pipeline.restore(Tensor.zeros([2, 3, 16, 16]), prompt: "")) { error in
            XCTAssertTrue("\(error)".contains("the LQ image"), "\(error)")
        }
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
}
