import SSPIR
import TestSupport
import WildTensor
import XCTest

/// The Refine Layer (`TPBNet`) against PyTorch (`Tests/Fixtures/sspir_priors/refine.safetensors`) and its official size.
final class RefineLayerTests: XCTestCase {
    /// 1024 → 1024 → 1024 → 512 with two LayerNorms: 2,628,096 parameters (facts §3) under the official keys.
    func testOfficialRefineLayerHasTheOfficialKeysAndParameterCount() throws {
        var generator = TensorRandom.placeholder
        let refine = try RefineLayer(.official, generator: &generator)
        XCTAssertEqual(refine.parameterCount, 2_628_096)
        XCTAssertEqual(Set(refine.namedParameters().map(\.name)),
                       Set([0, 1, 3, 4, 6].flatMap { ["visual_projection.\($0).weight", "visual_projection.\($0).bias"] }))
    }

    /// The forward drops the CLS token and matches PyTorch's [Linear → LayerNorm → LeakyReLU(0.01)] × 2 → Linear.
    func testMatchesPyTorchAndDropsTheCLSToken() throws {
        let fixture = try PriorFixture("refine.safetensors")
        var generator = TensorRandom(seed: 3)
        let refine = try RefineLayer(.init(width: 24, outputWidth: 16), generator: &generator)
        try refine.loadOfficial(fixture.state(under: "state."))
        let output = try refine(fixture.tensor("hidden"))
        let expected = try fixture.array("output")
        XCTAssertEqual(output.shape, [2, 4, 16])
        XCTAssertEqual(output.shape, expected.shape)
        let error = relativeError(output.values, expected.values)
        XCTAssertLessThanOrEqual(error, 1e-5)
        print(String(format: "refine.safetensors: relative error %.2e", error))
    }

    func testWrongWidthIsATypedError() throws {
        var generator = TensorRandom(seed: 3)
        let refine = try RefineLayer(.init(width: 8, outputWidth: 4), generator: &generator)
        XCTAssertThrowsError(try refine(Tensor.zeros([1, 5, 9]))) { XCTAssertTrue($0 is SSPIRError) }
        XCTAssertThrowsError(try refine(Tensor.zeros([1, 1, 8]))) { XCTAssertTrue($0 is SSPIRError) }
        XCTAssertThrowsError(try RefineLayer(.init(width: 0), generator: &generator))
    }
}
