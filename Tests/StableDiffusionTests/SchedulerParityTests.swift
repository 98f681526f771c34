import Foundation
@testable import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The schedulers against diffusers 0.42.1's DDPMScheduler, DDIMScheduler and DPMSolverMultistepScheduler with SD
/// 1.5's settings (`Tests/Fixtures/sd_sampling`, from `Tools/fixtures/sd_schedulers.py`).
final class SchedulerParityTests: XCTestCase {
    private var reference: ReferenceFile!
    private var timesteps: [String: [Int]] = [:]

    override func setUpWithError() throws {
        reference = try ReferenceFile("sd_sampling", "schedulers.safetensors")
        let json = try XCTUnwrap(try Fixtures.json("sd_sampling", "schedulers.json") as? [String: Any])
        timesteps = try XCTUnwrap(json["timesteps"] as? [String: [Int]])
    }

    private func scheduler(_ name: String, steps: Int, spacing: TimestepSpacing = .leading) throws -> any NoiseScheduler {
        var configuration = SchedulerConfiguration.stableDiffusion15
        configuration.timestepSpacing = spacing
        switch name {
        case "ddpm": return try DDPMScheduler(steps: steps, configuration: configuration)
        case "ddim": return try DDIMScheduler(steps: steps, configuration: configuration)
        default: return try DPMSolverMultistepScheduler(steps: steps, configuration: configuration)
        }
    }

    private func assertClose(_ tensor: Tensor, _ key: String, tolerance: Double = 1e-5, file: StaticString = #filePath,
                             line: UInt = #line) throws {
        let expected = try reference.array(key)
        XCTAssertEqual(tensor.shape, expected.shape, key, file: file, line: line)
        let error = relativeError(tensor.values, expected.values)
        XCTAssertLessThanOrEqual(error, tolerance, key, file: file, line: line)
        print("parity \(key): relative error \(String(format: "%.2e", error))")
    }

    func testTimestepsOfEverySpacingMatchDiffusers() throws {
        var checked = 0
        for name in ["ddpm", "ddim", "dpm"] {
            for spacing in [TimestepSpacing.leading, .linspace, .trailing] {
                for steps in [50, 20, 7, 3] {
                    let key = "\(name).\(spacing.rawValue).\(steps)"
                    let expected = try XCTUnwrap(timesteps[key], key)
                    XCTAssertEqual(try scheduler(name, steps: steps, spacing: spacing).timesteps, expected, key)
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 36)
        XCTAssertEqual(try DDPMScheduler(steps: 50).timesteps, Array(stride(from: 981, through: 1, by: -20)))
    }

    /// Double ᾱ against diffusers' float32 cumulative product (which drifts by up to 9·10⁻⁷ relative).
    func testAlphasCumulativeMatchDiffusers() throws {
        var linear = SchedulerConfiguration()
        (linear.betaSchedule, linear.betaStart, linear.betaEnd) = (.linear, 0.0001, 0.02)
        for (configuration, key) in [(SchedulerConfiguration.stableDiffusion15, "alphas_cumprod"), (linear, "alphas_cumprod_linear")] {
            let ours = try NoiseSchedule(configuration).alphasCumulative
            let theirs = try reference.array(key).values
            XCTAssertEqual(ours.count, theirs.count)
            let worst = zip(ours, theirs).map { abs($0 - $1) / $1 }.max() ?? 1
            XCTAssertLessThanOrEqual(worst, 2e-6, key)
        }
    }

    /// SSP-IR's LRE start z = 0.06826·z_lq + 0.99767·ε at t = 999 (facts §6), from our Double schedule and from
    /// diffusers' add_noise.
    func testLRECoefficientsAtT999() throws {
        let schedule = try NoiseSchedule(.stableDiffusion15)
        let signal = schedule.alphaBar(999).squareRoot(), spread = schedule.oneMinusAlphaBar(999).squareRoot()
        XCTAssertEqual(signal, 0.06826, accuracy: 5e-6)
        XCTAssertEqual(spread, 0.99767, accuracy: 5e-6)
        XCTAssertEqual(signal, try reference.array("lre.signal").values[0], accuracy: 1e-5 * signal)
        XCTAssertEqual(spread, try reference.array("lre.spread").values[0], accuracy: 1e-5 * spread)
    }

    func testAddNoiseMatchesDiffusers() throws {
        let x0 = try reference.tensor("x0"), noise = try reference.tensor("noise")
        for scheduler in [try scheduler("ddpm", steps: 50), try scheduler("ddim", steps: 50), try scheduler("dpm", steps: 50)] {
            for t in [999, 500, 1, 0] {
                try assertClose(try scheduler.addNoise(x0, noise: noise, timestep: t), "add_noise.\(t)")
            }
        }
        try assertClose(try NoiseSchedule(.stableDiffusion15).addNoise(x0, noise: noise, timesteps: [999, 20]), "add_noise.batch")
    }

    /// One step of each 50-step scheduler on fixed inputs (DDPM with diffusers' draw), including the last steps,
    /// where ᾱ after the step is 1 (DDPM) or ᾱ_0 (DDIM, `set_alpha_to_one` false).
    func testOneStepOfEachSchedulerMatchesDiffusers() throws {
        let x0 = try reference.tensor("x0"), noise = try reference.tensor("noise")
        let output = noise * 0.7 + x0 * 0.2
        for t in [981, 1] {
            let ddpm = try DDPMScheduler(steps: 50)
            let draw = try reference.tensor("step.ddpm.\(t).noise")
            try assertClose(try ddpm.step(output, timestep: t, sample: x0, noise: draw).previousSample, "step.ddpm.\(t)")
            try assertClose(try DDIMScheduler(steps: 50).step(output, timestep: t, sample: x0).previousSample, "step.ddim.\(t)")
        }
        var dpm = try DPMSolverMultistepScheduler(steps: 50)
        try assertClose(try dpm.step(output, timestep: 951, sample: x0).previousSample, "step.dpm.951")
    }

    /// The toy denoiser of the generator: (M·z)(1 − t/2000) + (t/1000)·context, one context row per sample.
    private func toyDenoiser(m: Tensor, context: Tensor) -> Denoiser {
        { z, t in
            let (b, c, h, w) = (z.shape[0], z.shape[1], z.shape[2], z.shape[3])
            let mixed = m.matmul(z.reshaped([b, c, h * w])).reshaped([b, c, h, w])
            return mixed * Float(1 - Double(t) / 2000) + context.reshaped([b, c, 1, 1]) * Float(Double(t) / 1000)
        }
    }

    /// The recorded draws, in the order the loop takes them: the LRE noise, then DDPM's noise of each step.
    final class ReplayedNoise: GaussianNoiseSource {
        var draws: [Tensor]
        init(_ draws: [Tensor]) { self.draws = draws }
        func normal(_ shape: [Int]) -> Tensor {
            precondition(!draws.isEmpty && draws[0].shape == shape, "unexpected draw of shape \(shape)")
            return draws.removeFirst()
        }
    }

    /// A 4-step guided loop (g = 7.5, [uncond, cond]) from the LRE start at t = 999, for each scheduler.
    func testGuidedLoopFromTheLREStartMatchesDiffusers() throws {
        let m = try reference.tensor("loop.M"), context = try reference.tensor("loop.context")
        let zLQ = try reference.tensor("loop.z_lq"), eps = try reference.tensor("loop.eps")
        for name in ["ddpm", "ddim", "dpm"] {
            let scheduler = try scheduler(name, steps: 4)
            XCTAssertEqual(scheduler.timesteps, timesteps["loop.\(name)"], name)
            var draws = [eps]
            if name == "ddpm" { draws += try (0..<4).map { try reference.tensor("loop.ddpm.noise.\($0)") } }
            var noise = ReplayedNoise(draws)
            let sampler = DiffusionSampler(scheduler: scheduler, guidance: ClassifierFreeGuidance(scale: 7.5))
            var calls = 0
            let z = try sampler.sample(from: .lre(zLQ), shape: [], noise: &noise, progress: nil, isCancelled: nil) { z, t in
                calls += 1
                XCTAssertEqual(z.shape[0], 4, "the doubled batch")
                return try self.toyDenoiser(m: m, context: context)(z, t)
            }
            XCTAssertEqual(calls, 4, name)
            XCTAssertTrue(noise.draws.isEmpty, "\(name): every recorded draw used")
            try assertClose(z, "loop.\(name)")
        }
    }

    /// 20 unguided DPM-Solver++ steps (second order in between) from pure noise.
    func testTwentyStepDPMSolverLoopMatchesDiffusers() throws {
        let m = try reference.tensor("loop.M"), context = try reference.tensor("loop.context").sliced(axis: 0, 2..<4)
        var noise = ReplayedNoise([try reference.tensor("loop.eps")])
        let sampler = DiffusionSampler(scheduler: try DPMSolverMultistepScheduler(steps: 20), guidance: nil)
        let z = try sampler.sample(from: .noise, shape: [2, 4, 8, 8], noise: &noise, progress: nil, isCancelled: nil,
                                   denoiser: toyDenoiser(m: m, context: context))
        try assertClose(z, "loop20.dpm")
    }
}
