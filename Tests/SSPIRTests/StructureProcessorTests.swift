import Checkpoints
import SSPIR
import TestSupport
import WildTensor
import XCTest

/// The Processor against a PyTorch rebuild of the official `ControlNetConditioningEmbedding` with RGB heads
/// (`Tests/Fixtures/sspir_priors/processor.safetensors`), its official size and names, and its zero `conv_out`.
final class StructureProcessorTests: XCTestCase {
    private func tinyProcessor() throws -> StructureProcessor {
        var generator = TensorRandom(seed: 1)
        return try StructureProcessor(.init(blockChannels: [4, 8, 12, 16], embeddingChannels: 20), generator: &generator)
    }

    /// The official channels give the parameter count computed from the code (facts §1: 1,096,857, heads 10,377)
    /// and the official keys, in the official order of the 8 trunk convolutions.
    func testOfficialProcessorHasTheOfficialKeysAndParameterCount() throws {
        var generator = TensorRandom.placeholder
        let processor = try StructureProcessor(.official, generator: &generator)
        XCTAssertEqual(processor.parameterCount, 1_096_857)
        XCTAssertEqual(processor.toRgbs.reduce(0) { $0 + $1.parameterCount }, 10_377)
        let names = processor.namedParameters().map(\.name)
        XCTAssertEqual(names.filter { $0.hasPrefix("blocks.") }.count, 12)
        for key in ["conv_in.weight", "conv_in.bias", "blocks.5.weight", "to_rgbs.2.weight", "conv_out.weight", "conv_out.bias"] {
            XCTAssertTrue(names.contains(key), key)
        }
        XCTAssertEqual(processor.namedParameters().first { $0.name == "blocks.5.weight" }?.tensor.shape, [256, 96, 3, 3])
        XCTAssertEqual(processor.namedParameters().first { $0.name == "to_rgbs.0.weight" }?.tensor.shape, [3, 32, 3, 3])
    }

    /// A fresh Processor's `conv_out` is zero (so is its feature), while the rest is initialised and the heads
    /// already see the image; sizes are 1/8 for the feature and 1/2, 1/4, 1/8 for the heads.
    func testFreshProcessorHasZeroConvOutAndTheOfficialOutputSizes() throws {
        var generator = TensorRandom(seed: 7)
        let processor = try StructureProcessor(.official, generator: &generator)
        XCTAssertTrue(processor.convOut.weight.values.allSatisfy { $0 == 0 })
        XCTAssertTrue((processor.convOut.bias?.values ?? [1]).allSatisfy { $0 == 0 })
        XCTAssertTrue(processor.convIn.weight.values.contains { $0 != 0 })
        let image = Tensor(shape: [1, 3, 64, 48], values: (0..<(3 * 64 * 48)).map { Float($0 % 17) / 16 })
        let output = try withNoGrad { try processor(image) }
        XCTAssertEqual(output.feature.shape, [1, 320, 8, 6])
        XCTAssertTrue(output.feature.values.allSatisfy { $0 == 0 })
        XCTAssertEqual(output.rgbs.map(\.shape), [[1, 3, 32, 24], [1, 3, 16, 12], [1, 3, 8, 6]])
        XCTAssertTrue(output.rgbs[2].values.contains { $0 != 0 })
    }

    /// Forward, the structure-prior loss and the gradients of every parameter and of the input match PyTorch
    /// (float64) with the weights loaded by their official ControlNet keys.
    func testMatchesPyTorchForwardLossAndGradients() throws {
        let fixture = try PriorFixture("processor.safetensors")
        let processor = try tinyProcessor()
        try processor.loadOfficial(fixture.state(under: "state."))
        let lq = try fixture.tensor("lq", requiresGrad: true), gt = try fixture.tensor("gt")
        let output = try processor(lq)
        var worst = 0.0
        func expectClose(_ actual: Tensor, _ key: String, _ tolerance: Double) throws {
            let (shape, values) = try fixture.array(key)
            XCTAssertEqual(actual.shape, shape, key)
            let error = relativeError(actual.values, values)
            worst = max(worst, error)
            XCTAssertLessThanOrEqual(error, tolerance, key)
        }
        try expectClose(output.feature, "feature", 1e-5)
        for i in 0..<3 { try expectClose(output.rgbs[i], "rgb.\(i)", 1e-5) }
        let terms = try StructurePriorLoss().terms(rgbs: output.rgbs, groundTruth: gt)
        for i in 0..<3 {
            try expectClose(withNoGrad { gt.resizedBilinear(height: output.rgbs[i].shape[2], width: output.rgbs[i].shape[3]) }, "target.\(i)", 1e-6)
            try expectClose(terms.pixel[i], "pixel.\(i)", 1e-5)
            try expectClose(terms.frequency[i], "fft.\(i)", 1e-5)
        }
        try expectClose(terms.total, "loss", 1e-5)
        let probe = try fixture.tensor("probe")
        let objective = terms.total + (output.feature * probe).mean()
        try expectClose(objective, "objective", 1e-5)
        let forwardWorst = worst
        worst = 0
        objective.backward()
        for (name, parameter) in processor.namedParameters() {
            guard let grad = parameter.grad else { XCTFail("\(name) received no gradient"); continue }
            try expectClose(grad, "grad.\(name)", 1e-4)
        }
        guard let lqGrad = lq.grad else { return XCTFail("the input received no gradient") }
        try expectClose(lqGrad, "grad.lq", 1e-4)
        print(String(format: "processor.safetensors: worst forward/loss relative error %.2e, worst gradient relative error %.2e", forwardWorst, worst))
    }

    /// Keys are checked: a state dict without the prefix, or with a missing head, is refused and nothing loads.
    func testLoadingRefusesMissingPrefixesAndKeys() throws {
        let fixture = try PriorFixture("processor.safetensors")
        let processor = try tinyProcessor()
        XCTAssertThrowsError(try processor.loadOfficial(fixture.state(under: "state.controlnet_cond_embedding."))) { error in
            XCTAssertEqual(error as? SSPIRError, .noWeights(prefix: StructureProcessor.officialPrefix))
        }
        var state = fixture.state(under: "state.")
        state["controlnet_cond_embedding.to_rgbs.1.bias"] = nil
        let before = processor.convIn.weight.values
        XCTAssertThrowsError(try processor.loadOfficial(state)) { error in
            XCTAssertTrue(String(describing: error).contains("to_rgbs.1.bias"), "\(error)")
        }
        XCTAssertEqual(processor.convIn.weight.values, before)
    }

    func testWrongInputShapeAndConfigurationAreTypedErrors() throws {
        let processor = try tinyProcessor()
        XCTAssertThrowsError(try processor(Tensor.zeros([1, 4, 16, 16]))) { XCTAssertTrue($0 is SSPIRError) }
        XCTAssertThrowsError(try processor(Tensor.zeros([3, 16, 16]))) { XCTAssertTrue($0 is SSPIRError) }
        var generator = TensorRandom(seed: 0)
        XCTAssertThrowsError(try StructureProcessor(.init(blockChannels: [16]), generator: &generator))
        XCTAssertThrowsError(try StructureProcessor(.init(blockChannels: [16, 0]), generator: &generator))
    }
}
