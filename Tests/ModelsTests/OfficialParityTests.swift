import Checkpoints
import Foundation
@testable import Models
import TestSupport
import WildTensor
import XCTest

/// The networks against the official DACLIP-IR model code run with random weights in float64
/// (`Tools/fixtures/unet_parity.py`): the official state dict loads strictly (same names and shapes), the
/// forward output is within 1e-4 relative error and the input and parameter gradients within 1e-3.
final class OfficialParityTests: XCTestCase {
    struct BlockFixture {
        let file: SafeTensorsFile
        let name: String

        init(_ name: String) throws {
            self.name = name
            file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("unet", "\(name).safetensors")))
        }

        var weights: [String: StoredTensor] {
            Dictionary(uniqueKeysWithValues: file.tensors.compactMap { key, value in
                key.hasPrefix("weights/") ? (String(key.dropFirst("weights/".count)), value) : nil
            })
        }

        func tensor(_ key: String, requiresGrad: Bool = false) throws -> Tensor {
            let stored = try file.tensor(key, file: name)
            return Tensor(shape: stored.shape, values: stored.floatValues(), requiresGrad: requiresGrad)
        }

        func values(_ key: String) throws -> [Double] { try file.tensor(key, file: name).doubleValues() }

        var checkedParameters: [String] {
            (try? JSONDecoder().decode([String].self, from: Data((file.metadata["checked_parameters"] ?? "[]").utf8))) ?? []
        }

        /// Loads the weights strictly, runs `forward`, backpropagates and checks everything the fixture stores.
        func check(_ model: Module, inputs: Int, file: StaticString = #filePath, line: UInt = #line,
                   _ forward: ([Tensor]) -> Tensor) throws {
            try model.loadStateDict(weights, strict: true)
            let xs = try (0..<inputs).map { try tensor("x\($0)", requiresGrad: self.file.tensors["gx\($0)"] != nil) }
            let y = forward(xs)
            let forwardError = relativeError(y.values, try values("y"))
            XCTAssertLessThanOrEqual(forwardError, 1e-4, "\(name): forward", file: file, line: line)
            y.backward(try tensor("gy"))
            var worst = 0.0
            for (i, x) in xs.enumerated() where x.requiresGrad {
                let e = relativeError(x.grad?.values ?? [], try values("gx\(i)"))
                worst = max(worst, e)
                XCTAssertLessThanOrEqual(e, 1e-3, "\(name): gradient of input \(i)", file: file, line: line)
            }
            let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
            XCTAssertGreaterThanOrEqual(checkedParameters.count, 4, "\(name): the parameter gradients the fixture stores",
                                        file: file, line: line)
            for key in checkedParameters {
                let e = relativeError(parameters[key]?.grad?.values ?? [], try values("gw/\(key)"))
                worst = max(worst, e)
                XCTAssertLessThanOrEqual(e, 1e-3, "\(name): gradient of \(key)", file: file, line: line)
            }
            print("\(name): forward relative error \(forwardError), worst gradient relative error \(worst)")
        }
    }

    func testResBlockWithTimeEmbedding() throws {
        let fixture = try BlockFixture("resblock")
        var g = TensorRandom(seed: 1)
        let block = ResBlock(16, 24, timeEmbeddingDim: 64, generator: &g)
        try fixture.check(block, inputs: 2) { block($0[0], time: $0[1]) }
    }

    func testLinearAttentionWithPreNormAndResidual() throws {
        let fixture = try BlockFixture("linear_attention")
        var g = TensorRandom(seed: 1)
        let layer = ResidualPreNorm(32, .linear(LinearAttention(32, generator: &g)))
        try fixture.check(layer, inputs: 1) { layer($0[0], context: nil) }
    }

    func testSpatialTransformerWithContext() throws {
        let fixture = try BlockFixture("spatial_transformer")
        var g = TensorRandom(seed: 1)
        let layer = SpatialTransformer(channels: 64, heads: 2, headDim: 32, contextDim: 48, generator: &g)
        try fixture.check(layer, inputs: 2) { layer($0[0], context: $0[1]) }
    }

    func testConditionalUNetWithImageContextAndHalfScale() throws {
        let fixture = try BlockFixture("conditional_unet")
        var configuration = ConditionalUNetConfiguration.wildIR
        configuration.baseChannels = 32
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = 48
        let unet = ConditionalUNet(configuration)
        try fixture.check(unet, inputs: 4) { unet($0[0], cond: $0[1], time: $0[2], imageContext: $0[3]) }
    }

    func testConditionalUNetWithDegradationPrompt() throws {
        let fixture = try BlockFixture("conditional_unet_prompt")
        var configuration = ConditionalUNetConfiguration()
        configuration.baseChannels = 32
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = 48
        configuration.useDegradationContext = true
        configuration.useImageContext = false
        let unet = ConditionalUNet(configuration)
        try fixture.check(unet, inputs: 4) { unet($0[0], cond: $0[1], time: $0[2], textContext: $0[3]) }
    }

    /// A network with its own degradation encoder (WildIR's; rebuilt in PyTorch from its definition and added to the
    /// official network's time embedding): the encoder's embedding of μ conditions every block, and gradients
    /// reach it.
    func testConditionalUNetWithItsOwnDegradationEncoder() throws {
        let fixture = try BlockFixture("conditional_unet_degradation_encoder")
        var configuration = ConditionalUNetConfiguration()
        configuration.baseChannels = 32
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = nil
        configuration.useDegradationContext = false
        configuration.degradationEncoderWidths = [16, 24, 32]
        try configuration.validate()
        let unet = ConditionalUNet(configuration)
        try fixture.check(unet, inputs: 3) { unet($0[0], cond: $0[1], time: $0[2]) }
    }

    /// A network with the learned unsharp mask (WildIR's; rebuilt in PyTorch from its definition, its Gaussian
    /// checked against SciPy's `gaussian_filter`, and added to the official network's output): gains from the last
    /// features times the high-passes of μ, on a size the U-Net pads, and gradients into the gains' convolution,
    /// the network and μ.
    func testConditionalUNetWithALearnedUnsharpMask() throws {
        let fixture = try BlockFixture("conditional_unet_unsharp_mask")
        var configuration = ConditionalUNetConfiguration()
        configuration.baseChannels = 32
        configuration.channelMultipliers = [1, 2]
        configuration.contextDim = nil
        configuration.useDegradationContext = false
        configuration.unsharpSigmas = [1, 2]
        try configuration.validate()
        let unet = ConditionalUNet(configuration)
        try fixture.check(unet, inputs: 3) { unet($0[0], cond: $0[1], time: $0[2]) }
    }

    /// A new mask's gains are zero and it is drawn after the official modules, so a network with one starts as
    /// exactly the network without it; on an image smaller than a Gaussian's radius the high-pass repeats the edge
    /// (reflection cannot), and a flat image has no detail to amplify.
    func testANewUnsharpMaskLeavesTheNetworkAsItWouldBeWithoutIt() throws {
        var withMask = ConditionalUNetConfiguration.tiny
        withMask.unsharpSigmas = [1, 2]
        let b = assertStartsAsThePlainNetwork(withMask, extraPrefix: "unsharp_mask.")
        XCTAssertEqual(b.namedParameters().filter { $0.name.hasPrefix("unsharp_mask.") }.map(\.name),
                       ["unsharp_mask.gain.weight", "unsharp_mask.gain.bias"])

        let mask = try XCTUnwrap(b.unsharpMask)
        let flat = Tensor(shape: [1, 3, 4, 5], repeating: 0.25)
        for detail in mask.highPasses(flat) {
            XCTAssertEqual(detail.shape, [1, 3, 4, 5])
            XCTAssertLessThan(detail.values.map(abs).max() ?? 1, 1e-6)
        }
    }

    /// Initial gains start a new network as the plain network followed by an unsharp mask of those amounts (the
    /// high-passes are SciPy's Gaussians, as the parity fixture above checks): r̂ = r̂_plain + Σ_k g_k (μ − G_σk ∗ μ).
    func testInitialGainsStartTheNetworkAsAnUnsharpMaskOfThem() throws {
        var configuration = ConditionalUNetConfiguration.tiny
        configuration.unsharpSigmas = [1, 2]
        configuration.unsharpInitialGains = [0, 0.8]
        try configuration.validate()
        let plain = ConditionalUNet(.tiny, seed: 4), sharpened = ConditionalUNet(configuration, seed: 4)
        var random = TensorRandom(seed: 1)
        let x = random.normal([1, 3, 16, 16]), mu = random.normal([1, 3, 16, 16]), time = Tensor(shape: [1], values: [30])
        let detail = try XCTUnwrap(sharpened.unsharpMask).highPasses(mu)[1]
        let expected = zip(withNoGrad { plain(x, cond: mu, time: time) }.values, detail.values).map { $0 + 0.8 * $1 }
        let output = withNoGrad { sharpened(x, cond: mu, time: time) }.values
        XCTAssertLessThan(zip(output, expected).map { abs($0 - $1) }.max() ?? 1, 1e-5)
        configuration.unsharpInitialGains = [-5.4, 2.5]  // a band smoothed, one sharpened: a fixed linear filter
        XCTAssertNoThrow(try configuration.validate())
        for refused in [[0.8], [0, 8.5], [-9, 0], [0, .nan]] {
            configuration.unsharpInitialGains = refused
            XCTAssertThrowsError(try configuration.validate(), "\(refused)") { error in
                XCTAssertTrue("\(error)".contains("unsharp_initial_gains"), "\(error)")
            }
        }
    }

    /// The encoder's damage head (WildIR's; rebuilt in PyTorch from its definition): the estimate from the pooled
    /// features, and the gradients through it into the convolutions, which the zero-initialised projection alone
    /// does not give them.
    func testDegradationEncoderDamageHead() throws {
        let fixture = try BlockFixture("degradation_encoder_damage")
        var g = TensorRandom(seed: 0)
        let encoder = DegradationEncoder(inChannels: 3, widths: [16, 24, 32], outputDim: 128, generator: &g)
        XCTAssertEqual(encoder.head.weight.shape, [DamageEstimate.count, 64])
        try fixture.check(encoder, inputs: 1) { encoder.damage(fromMoments: encoder.moments($0[0])) }
    }

    /// A new encoder's projection is zero, and the encoder is drawn after the official modules: a network with one
    /// starts as exactly the network without it, so an ablation compares the same starting point.
    func testANewDegradationEncoderLeavesTheNetworkAsItWouldBeWithoutIt() throws {
        var withEncoder = ConditionalUNetConfiguration.tiny
        withEncoder.degradationEncoderWidths = [8, 8]
        assertStartsAsThePlainNetwork(withEncoder, extraPrefix: "degradation_encoder.")
    }

    /// A network of `configuration` (the tiny one plus WildIR modules under `extraPrefix`) drawn from the seed that
    /// draws the plain tiny network: its official parameters equal the plain network's and it computes exactly the
    /// same, so an ablation compares the same starting point. Returns the network.
    @discardableResult
    private func assertStartsAsThePlainNetwork(_ configuration: ConditionalUNetConfiguration, extraPrefix: String,
                                               file: StaticString = #filePath, line: UInt = #line) -> ConditionalUNet {
        let a = ConditionalUNet(.tiny, seed: 4), b = ConditionalUNet(configuration, seed: 4)
        let official = Dictionary(uniqueKeysWithValues: a.namedParameters().map { ($0.name, $0.tensor.values) })
        for (name, tensor) in b.namedParameters() where !name.hasPrefix(extraPrefix) {
            XCTAssertEqual(tensor.values, official[name], name, file: file, line: line)
        }
        var random = TensorRandom(seed: 1)
        let x = random.normal([1, 3, 16, 16]), mu = random.normal([1, 3, 16, 16]), time = Tensor(shape: [1], values: [30])
        XCTAssertEqual(withNoGrad { b(x, cond: mu, time: time) }.values, withNoGrad { a(x, cond: mu, time: time) }.values,
                       file: file, line: line)
        return b
    }

    /// The embedding of a large image computed tile by tile weighs each tile by its area: on an image whose left
    /// part is flat and right part textured, split into tiles of unequal size, it stays close to the embedding of
    /// the whole image (only the tiles' borders differ), where an unweighted mean of the tiles would not.
    func testTiledDegradationEmbeddingWeighsTilesByArea() throws {
        var g = TensorRandom(seed: 7)
        let encoder = DegradationEncoder(inChannels: 3, widths: [8, 16], outputDim: 12, generator: &g)
        encoder.projection.weight.assign(g.uniform([12, 32], bound: 0.5))  // a trained encoder's is not zero
        let (height, width) = (40, 100)
        var values = [Float](repeating: 0.5, count: 3 * height * width)
        for c in 0..<3 { for y in 0..<height { for x in 70..<width { values[(c * height + y) * width + x] = g.unit() } } }
        let image = Tensor(shape: [1, 3, height, width], values: values)
        let whole = withNoGrad { encoder(image) }.values
        let tiled = withNoGrad { encoder.embedding(of: image, tileSide: 32) }.values
        // Tiles of 32 columns and 4 leftover: an unweighted mean would count the 4-column textured strip like a
        // 32-column tile.
        let scale = whole.map { abs(Double($0)) }.max() ?? 1
        let tiledError = zip(whole, tiled).map { abs(Double($0) - Double($1)) }.max() ?? 0
        XCTAssertLessThan(tiledError, 0.05 * scale, "tiled \(tiled) against whole \(whole)")
        var unweighted = [Float](repeating: 0, count: 2 * 16)
        var count: Float = 0
        for top in stride(from: 0, to: height, by: 32) {
            for left in stride(from: 0, to: width, by: 32) {
                let tile = image.sliced(axis: 2, top..<min(top + 32, height)).sliced(axis: 3, left..<min(left + 32, width))
                let m = withNoGrad { encoder.moments(tile) }.values
                for i in unweighted.indices { unweighted[i] += m[i] }
                count += 1
            }
        }
        let naive = withNoGrad { encoder.embedding(fromMoments: Tensor(shape: [1, 32], values: unweighted.map { $0 / count })) }.values
        let naiveError = zip(whole, naive).map { abs(Double($0) - Double($1)) }.max() ?? 0
        XCTAssertGreaterThan(naiveError, 2 * tiledError, "the test must tell area weighting from a plain mean")
    }
}
