import Checkpoints
import Foundation
import Models
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
}
