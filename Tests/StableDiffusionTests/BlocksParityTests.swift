import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// diffusers' `ResnetBlock2D` and `Transformer2DModel` against diffusers on random weights
/// (`Tests/Fixtures/stable_diffusion/blocks.safetensors`).
final class BlocksParityTests: XCTestCase {
    func testResnetBlockWithTimeEmbeddingAndShortcutMatchesDiffusers() throws {
        let fixture = try StableDiffusionFixture("blocks.safetensors")
        var generator = TensorRandom.placeholder
        let block = ResnetBlock2D(inChannels: 16, outChannels: 24, timeEmbeddingChannels: 20, groups: 8, eps: 1e-5, generator: &generator)
        XCTAssertEqual(Set(block.namedParameters().map(\.name)), Set(fixture.state(under: "resnet.state.").keys))
        try block.loadStateDict(fixture.state(under: "resnet.state."))
        let y = try withNoGrad { block(try fixture.tensor("resnet.x"), timeEmbedding: try fixture.tensor("resnet.temb")) }
        let expected = try fixture.array("resnet.y")
        XCTAssertEqual(y.shape, expected.shape)
        let error = relativeError(y.values, expected.values)
        print(String(format: "ResnetBlock2D: relative error %.2e", error))
        XCTAssertLessThanOrEqual(error, 1e-4)
        // Recording on (the composed path) gives the same values.
        let recorded = block(try fixture.tensor("resnet.x"), timeEmbedding: try fixture.tensor("resnet.temb"))
        XCTAssertLessThanOrEqual(relativeError(recorded.values, expected.values), 1e-4)
    }

    func testTransformer2DModelWithContextMatchesDiffusers() throws {
        let fixture = try StableDiffusionFixture("blocks.safetensors")
        var generator = TensorRandom.placeholder
        let transformer = Transformer2DModel(heads: 3, headDim: 8, inChannels: 16, contextDim: 12, groups: 8, generator: &generator)
        let state = fixture.state(under: "transformer.state.")
        XCTAssertEqual(state.count, 26)
        XCTAssertEqual(Set(transformer.namedParameters().map(\.name)), Set(state.keys))
        try transformer.loadStateDict(state)
        let x = try fixture.tensor("transformer.x"), context = try fixture.tensor("transformer.context")
        let expected = try fixture.array("transformer.y")
        let inference = withNoGrad { transformer(x, context: context) }
        let recorded = transformer(x, context: context)
        XCTAssertEqual(inference.shape, expected.shape)
        let error = relativeError(inference.values, expected.values)
        print(String(format: "Transformer2DModel: relative error %.2e (recorded path %.2e)", error,
                     relativeError(recorded.values, expected.values)))
        XCTAssertLessThanOrEqual(error, 1e-4)
        XCTAssertLessThanOrEqual(relativeError(recorded.values, expected.values), 1e-4)
    }

    /// diffusers' `proj_out` keeps PyTorch's default initialisation (latent diffusion's zeroes it).
    func testTransformer2DModelOutputProjectionIsNotZeroInitialised() {
        var generator = TensorRandom(seed: 1)
        let transformer = Transformer2DModel(heads: 2, headDim: 16, inChannels: 32, contextDim: 8, generator: &generator)
        XCTAssertTrue(transformer.projOut.weight.values.contains { $0 != 0 })
    }

    /// The VAE's Downsample2D pads one row below and one column right (LDM's `Downsample`): on a constant image
    /// of ones the top-left output sees only ones, the bottom-right one a padded zero row and column.
    func testDownsampleWithoutPaddingPadsBottomAndRight() {
        var generator = TensorRandom(seed: 2)
        let down = Downsample2D(channels: 1, padding: 0, generator: &generator)
        down.conv.weight.withUnsafeMutableBufferPointer { $0.update(repeating: 1) }
        down.conv.bias!.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        let y = down(Tensor(shape: [1, 1, 4, 4], repeating: 1))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.values, [9, 6, 6, 4])
        let padded = Downsample2D(channels: 1, padding: 1, generator: &generator)
        XCTAssertEqual(padded(Tensor.zeros([1, 1, 5, 5])).shape, [1, 1, 3, 3])
    }

    /// At SD's 4096 latent tokens the attention holds a 1 MiB block of scores per thread, not the whole 64 MiB
    /// matrix (beside the projections and the result, 0.5 MiB each).
    func testAttentionAt4096TokensHoldsScoreBlocks() {
        var generator = TensorRandom(seed: 4)
        let attention = Attention(channels: 32, groups: 8, generator: &generator)
        let x = generator.normal([1, 32, 64, 64])
        BufferPoolProbe.resetPeak()
        let before = BufferPoolProbe.inUseBytes
        let y = withNoGrad { attention(x) }
        let peak = Double(BufferPoolProbe.peakInUseBytes - before) / 1_048_576
        print(String(format: "Attention over 4096 tokens of width 32: %.1f MiB at peak", peak))
        XCTAssertEqual(y.shape, x.shape)
        XCTAssertGreaterThanOrEqual(peak, 1)
        XCTAssertLessThan(peak, 8)
    }

    /// Query blocks (scores within the budget) give the same result as one pass: 4096 tokens of width 8 take four
    /// 1024-row blocks, compared with the recorded (gradient) path.
    func testBlockedAttentionEqualsTheWholeComputation() {
        var generator = TensorRandom(seed: 3)
        let attention = Attention(channels: 8, groups: 4, generator: &generator)
        let x = generator.normal([1, 8, 64, 64])
        let blocked = withNoGrad { attention(x) }
        let whole = attention(x)
        XCTAssertLessThanOrEqual(relativeError(blocked.values, whole.values.map(Double.init)), 1e-5)
    }
}
