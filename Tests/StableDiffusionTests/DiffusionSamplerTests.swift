@testable import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The sampling loop's contracts (seeds, progress, cancellation, the LRE start's timesteps) and the schedulers'
/// closed forms and errors.
final class DiffusionSamplerTests: XCTestCase {
    /// A fixed linear ε̂ that depends on the timestep.
    private let denoiser: Denoiser = { z, t in z * Float(0.3 + Double(t) / 4000) }

    private func latent(_ batch: Int, seed: UInt64 = 3) -> Tensor {
        var random = TensorRandom(seed: seed)
        return random.normal([batch, 4, 6, 5])
    }

    func testEachSampleDependsOnItsSeedAloneNotOnItsBatch() throws {
        let sampler = DiffusionSampler(scheduler: try DDPMScheduler(steps: 5))
        let start = latent(2)
        let together = try sampler.sample(from: .lre(start), seeds: [11, 12], denoiser: denoiser)
        for (index, seed) in [UInt64(11), 12].enumerated() {
            let alone = try sampler.sample(from: .lre(start.sliced(axis: 0, index..<(index + 1))), seeds: [seed], denoiser: denoiser)
            XCTAssertEqual(alone.values, together.sliced(axis: 0, index..<(index + 1)).values)
        }
        let reseeded = try sampler.sample(from: .lre(start), seeds: [11, 13], denoiser: denoiser)
        XCTAssertEqual(reseeded.sliced(axis: 0, 0..<1).values, together.sliced(axis: 0, 0..<1).values)
        XCTAssertNotEqual(reseeded.sliced(axis: 0, 1..<2).values, together.sliced(axis: 0, 1..<2).values)
        XCTAssertEqual(DiffusionSampler.seeds(7, count: 3), [7, 8, 9])
    }

    func testProgressReportsEveryStepInOrder() throws {
        let sampler = DiffusionSampler(scheduler: try DDIMScheduler(steps: 6), guidance: ClassifierFreeGuidance(scale: 2))
        var seen: [(Int, Int, Int)] = []
        _ = try sampler.sample(from: .noise, shape: [1, 4, 6, 5], seeds: [1], progress: { seen.append(($0.step, $0.steps, $0.timestep)) },
                               denoiser: denoiser)
        XCTAssertEqual(seen.map(\.0), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(Set(seen.map(\.1)), [6])
        XCTAssertEqual(seen.map(\.2), [831, 665, 499, 333, 167, 1])
    }

    func testCancellationStopsBeforeTheNextStep() throws {
        let sampler = DiffusionSampler(scheduler: try DPMSolverMultistepScheduler(steps: 10))
        var calls = 0, asked = 0
        XCTAssertThrowsError(try sampler.sample(from: .lre(latent(1)), seeds: [1], isCancelled: { asked += 1; return asked > 3 }) { z, t in
            calls += 1
            return try self.denoiser(z, t)
        }) { error in
            XCTAssertEqual(error as? SchedulerError, .cancelled(timestep: sampler.scheduler.timesteps[3]))
        }
        XCTAssertEqual(calls, 3)
    }

    /// The LRE start runs the inference timesteps at or below its timestep; 999 keeps all of SD's 50.
    func testLREStartBeginsAtTheFirstTimestepNotAboveIt() throws {
        let sampler = DiffusionSampler(scheduler: try DDPMScheduler(steps: 50))
        XCTAssertEqual(sampler.timesteps(from: .lre(latent(1))).count, 50)
        XCTAssertEqual(sampler.timesteps(from: .lowQualityLatent(latent(1), timestep: 500)).first, 481)
        var timesteps: [Int] = []
        _ = try DiffusionSampler(scheduler: try DPMSolverMultistepScheduler(steps: 10))
            .sample(from: .lowQualityLatent(latent(1), timestep: 500), seeds: [2]) { z, t in timesteps.append(t); return try self.denoiser(z, t) }
        XCTAssertEqual(timesteps, [451, 361, 271, 181, 91])
    }

    /// With the true noise, every scheduler's x̂_0 is the clean sample, and DDIM's step lands on the forward marginal
    /// of the next timestep (closed forms of Ho et al. eq. 15 and Song et al. eq. 12).
    func testOracleNoiseRecoversTheCleanSample() throws {
        let x0 = latent(2, seed: 5), eps = latent(2, seed: 6)
        let ddim = try DDIMScheduler(steps: 50)
        let xt = try ddim.addNoise(x0, noise: eps, timestep: 981)
        let result = try ddim.step(eps, timestep: 981, sample: xt)
        XCTAssertLessThanOrEqual(relativeError(result.predictedOriginalSample.values, x0.values.map(Double.init)), 1e-5)
        let marginal = try ddim.addNoise(x0, noise: eps, timestep: 961)
        XCTAssertLessThanOrEqual(relativeError(result.previousSample.values, marginal.values.map(Double.init)), 1e-5)
        var dpm = try DPMSolverMultistepScheduler(steps: 50)
        let last = try dpm.step(eps, timestep: 951, sample: try dpm.addNoise(x0, noise: eps, timestep: 951))
        XCTAssertLessThanOrEqual(relativeError(last.predictedOriginalSample.values, x0.values.map(Double.init)), 1e-5)
    }

    /// DDPM's posterior variance β̃_t = (1 − ᾱ_{t′})/(1 − ᾱ_t)·(1 − ᾱ_t/ᾱ_{t′}) in closed form from the betas.
    func testDDPMPosteriorDeviationIsTheClosedForm() throws {
        let ddpm = try DDPMScheduler(steps: 50)
        let betas = ddpm.schedule.betas
        func alphaBar(_ t: Int) -> Double { (0...t).reduce(1.0) { $0 * (1 - betas[$1]) } }
        for t in [981, 501, 21] {
            let (a, aPrevious) = (alphaBar(t), alphaBar(t - 20))
            let variance = (1 - aPrevious) / (1 - a) * (1 - a / aPrevious)
            XCTAssertEqual(try ddpm.coefficients(at: t).deviation, variance.squareRoot(), accuracy: 1e-12)
        }
        XCTAssertEqual(try ddpm.coefficients(at: 1).original, 1, accuracy: 1e-12, "the last step returns x̂_0")
        XCTAssertEqual(try ddpm.coefficients(at: 1).current, 0)
    }

    func testGuidanceCombinesUnconditionalFirst() throws {
        let u = Tensor(shape: [1, 2], values: [1, 2]), c = Tensor(shape: [1, 2], values: [3, 5])
        let guided = try ClassifierFreeGuidance(scale: 7.5).combine(Tensor.concatenate([u, c], axis: 0))
        XCTAssertEqual(guided.values, [1 + 7.5 * 2, 2 + 7.5 * 3])
        XCTAssertEqual(ClassifierFreeGuidance().scale, 7.5)
        XCTAssertThrowsError(try ClassifierFreeGuidance().combine(Tensor.zeros([3, 2])))
    }

    func testMisuseIsATypedError() throws {
        let x = latent(1)
        XCTAssertThrowsError(try DDPMScheduler(steps: 50).step(x, timestep: 981, sample: x, noise: nil)) {
            XCTAssertEqual($0 as? SchedulerError, .noiseRequired(timestep: 981))
        }
        XCTAssertThrowsError(try DDPMScheduler(steps: 50).step(x, timestep: 980, sample: x, noise: x)) {
            guard case .invalidTimestep(980, _)? = $0 as? SchedulerError else { return XCTFail("\($0)") }
        }
        var dpm = try DPMSolverMultistepScheduler(steps: 5)
        _ = try dpm.step(x, timestep: dpm.timesteps[0], sample: x)
        XCTAssertThrowsError(try dpm.step(x, timestep: dpm.timesteps[2], sample: x))
        XCTAssertThrowsError(try DDIMScheduler(steps: 50).step(latent(2), timestep: 981, sample: x))
        XCTAssertThrowsError(try DDPMScheduler(steps: 0))
        XCTAssertThrowsError(try DDPMScheduler(steps: 1001))
        var offset = SchedulerConfiguration()
        offset.stepsOffset = 1
        XCTAssertThrowsError(try DDPMScheduler(steps: 1000, configuration: offset), "1000 leading steps + offset 1 reach t = 1000")
        XCTAssertThrowsError(try NoiseSchedule(.stableDiffusion15).addNoise(x, noise: x, timestep: 1000))
        let sampler = DiffusionSampler(scheduler: try DDPMScheduler(steps: 4))
        XCTAssertThrowsError(try sampler.sample(from: .lre(latent(2)), seeds: [1], denoiser: denoiser)) {
            guard case .invalidShape? = $0 as? SchedulerError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try sampler.sample(from: .noise, shape: [1, 4, 0, 5], seeds: [1], denoiser: denoiser))
        XCTAssertThrowsError(try sampler.sample(from: .lre(latent(1)), seeds: [1]) { z, _ in z.sliced(axis: 1, 0..<2) })
        XCTAssertEqual(try SchedulerKind(named: "dpm-solver++", source: "--scheduler"), .dpmSolver)
        XCTAssertThrowsError(try SchedulerKind(named: "euler", source: "--scheduler"))
    }
}
