import SSPIR
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// SSP-IR's training objective on a tiny random SSP-IR (``TinySSPIR``): the trained and frozen parameters as the
/// official code splits them, and a gradient step that moves the objective down by g·Δ to first order (a gradient of
/// another function, a wrong sign or a trained part outside the graph would break that agreement).
final class SSPIRObjectiveTests: XCTestCase {
    func testAStepDescendsTheObjectiveThroughEveryTrainedPartAndNoFrozenOne() throws {
        let tiny = try TinySSPIR()
        let objective = try SSPIRObjective(pipeline: try tiny.pipeline())
        objective.freezeOthers()
        let trained = objective.trainableParameters
        XCTAssertTrue(trained.contains { $0.name.hasPrefix("unet.") && $0.name.contains(".pixel_attentions.") })
        XCTAssertTrue(trained.contains { $0.name.hasPrefix("controlnet.controlnet_cond_embedding.") })
        XCTAssertTrue(trained.contains { $0.name.hasPrefix("refine.") })
        XCTAssertFalse(trained.contains { $0.name.hasPrefix("unet.") && !UNet2DConditionModel.isPriorGuidanceParameter($0.name) })

        var random = TensorRandom(seed: 41)
        let groundTruth = random.uniform([2, 3, 16, 16], bound: 1), lowQuality = random.uniform([2, 3, 16, 16], bound: 1).abs()
        let noise = random.normal([2, 4, 8, 8])
        func evaluate() throws -> SSPIRObjective.Value {
            var generator = TensorRandom(seed: 42)
            return try objective(groundTruth: groundTruth, lowQuality: lowQuality, captions: ["a cat on a sofa", ""],
                                 timesteps: [10, 900], noise: noise, generator: &generator)
        }
        let before = try evaluate()
        XCTAssertEqual(before.total.scalar, before.diffusion.scalar + before.structure.total.scalar, accuracy: 1e-5)
        before.total.backward()
        let gradients = trained.map { $0.tensor.grad?.values ?? [] }
        XCTAssertTrue(gradients.allSatisfy { !$0.isEmpty }, "every trained parameter is in the graph")
        for module in [objective.pipeline.vae, objective.pipeline.textEncoder, objective.pipeline.imageEncoder.tower] as [Module] {
            XCTAssertTrue(module.parameters().allSatisfy { $0.grad == nil }, "frozen parts get no gradient")
        }
        XCTAssertTrue(objective.pipeline.unet.namedParameters().filter { !UNet2DConditionModel.isPriorGuidanceParameter($0.name) }
            .allSatisfy { $0.tensor.grad == nil })
        let squared = gradients.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) * Double($1) } }
        XCTAssertGreaterThan(squared, 0)
        let rate = 1e-3 * Double(before.total.scalar) / squared   // a step that should lower the objective by 0.1 %
        for ((_, parameter), gradient) in zip(trained, gradients) {
            parameter.assign(Tensor(shape: parameter.shape, values: zip(parameter.values, gradient).map { $0 - Float(rate) * $1 }))
        }
        let after = try withNoGrad { try evaluate() }
        let expected = rate * squared, observed = Double(before.total.scalar - after.total.scalar)
        print("SSP-IR objective: \(before.total.scalar) → \(after.total.scalar), decrease \(observed) against g·Δ \(expected)")
        XCTAssertEqual(observed / expected, 1, accuracy: 0.05)
    }
}
