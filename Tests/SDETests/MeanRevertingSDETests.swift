import Checkpoints
import Foundation
import SDE
import TestSupport
import WildTensor
import XCTest

/// The IR-SDE against the official `IRSDE` (fixture `Tools/fixtures/sde_reference.py`) and against closed forms.
final class MeanRevertingSDETests: XCTestCase {
    var fixture: SafeTensorsFile!

    override func setUpWithError() throws {
        fixture = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("sde", "irsde.safetensors")))
    }

    func tensor(_ key: String) throws -> Tensor {
        let t = try fixture.tensor(key)
        return Tensor(shape: t.shape, values: t.floatValues())
    }

    func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Double, _ message: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, line: line)
        let error = relativeError(a, b.map(Double.init))
        XCTAssertLessThanOrEqual(error, tolerance, "\(message): relative error \(error)", line: line)
    }

    func testSchedulesAndCoefficientsMatchTheOfficialIRSDE() throws {
        let (x0, mu, xt, noise) = (try tensor("x0"), try tensor("mu"), try tensor("xt"), try tensor("noise"))
        XCTAssertEqual(fixture.metadata.count, 10)
        for (name, json) in fixture.metadata where name != "batch" {
            let p = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            let sampleT = p["sample_T"] as! Int
            let sde = try MeanRevertingSDE(maxSigma: 50, trainingSteps: p["T"] as! Int,
                                           schedule: ThetaSchedule(rawValue: p["schedule"] as! String)!,
                                           eps: Float(p["eps"] as! Double), sampleSteps: sampleT > 0 ? sampleT : nil)
            XCTAssertEqual(sde.steps, p["steps"] as! Int)
            assertClose(sde.thetas, try tensor("\(name).thetas").values, 1e-6, "\(name) thetas")
            assertClose(sde.sigmas, try tensor("\(name).sigmas").values, 1e-6, "\(name) sigmas")
            assertClose(sde.thetaBars, try tensor("\(name).thetas_cumsum").values, 1e-6, "\(name) thetas_cumsum")
            assertClose(sde.sigmaBars, try tensor("\(name).sigma_bars").values, 1e-5, "\(name) sigma_bars")
            assertClose([sde.dt], try tensor("\(name).dt").values, 1e-6, "\(name) dt")
            XCTAssertEqual(Double(sde.networkTime(1)), p["scale"] as! Double, accuracy: 1e-9)
            for t in p["times"] as! [Int] {
                let key = "\(name).t\(t)"
                assertClose(sde.forwardMean(x0: x0, mu: mu, timesteps: [t]).values, try tensor("\(key).mu_bar").values, 1e-5, "\(key) mean")
                // 1e-4: the reference evaluates 1 − C² in single precision, which costs it ~6e-5 at t = 2; ours
                // is evaluated in double precision (and checked against eq. 6 to 1e-6 below).
                assertClose(sde.optimalReverseState(xt: xt, x0: x0, mu: mu, timesteps: [t]).values, try tensor("\(key).optimum").values,
                            1e-4, "\(key) optimum")
                assertClose([sde.posteriorStandardDeviation(t)], try tensor("\(key).std").values, 1e-4, "\(key) std")
                assertClose(sde.estimatedInitialState(xt: xt, mu: mu, noise: noise, timesteps: [t]).values,
                            try tensor("\(key).x0_from_noise").values, 1e-4, "\(key) x0")
                let score = sde.score(fromNoise: noise, timesteps: [t])
                assertClose(sde.reverseSDEMean(xt: xt, score: score, mu: mu, timesteps: [t]).values, try tensor("\(key).sde_mean").values,
                            1e-5, "\(key) sde mean")
                assertClose(sde.reverseODEStep(xt: xt, score: score, mu: mu, timesteps: [t]).values, try tensor("\(key).ode_step").values,
                            1e-5, "\(key) ode step")
            }
        }
    }

    func testTrainingObjectiveWithPerSampleTimestepsMatchesTheOfficialComputation() throws {
        let sde = try MeanRevertingSDE()
        let timesteps = [1, 37, 100]
        let (x0, mu, noise, predicted) = (try tensor("batch.x0"), try tensor("batch.mu"), try tensor("batch.noise"),
                                          try tensor("batch.predicted"))
        let xt = sde.noisyState(x0: x0, mu: mu, timesteps: timesteps, noise: noise)
        assertClose(xt.values, try tensor("batch.xt").values, 1e-5, "noisy states")
        let reference = try tensor("batch.xt")
        assertClose(sde.reverseSDEMean(xt: reference, score: sde.score(fromNoise: predicted, timesteps: timesteps), mu: mu, timesteps: timesteps).values,
                    try tensor("batch.expectation").values, 1e-5, "reverse-SDE means")
        assertClose(sde.optimalReverseState(xt: reference, x0: x0, mu: mu, timesteps: timesteps).values,
                    try tensor("batch.optimum").values, 1e-4, "optimal states")
        let loss = sde.matchingLoss(predictedNoise: predicted, xt: reference, x0: x0, mu: mu, timesteps: timesteps)
        assertClose([loss.scalar], try tensor("batch.l1").values, 1e-4, "L1 matching loss")
    }

    func testOptimalReverseStateOfEquation4IsThePosteriorMeanOfEquation6() throws {
        // Eq. 6 in the paper's exponential form, evaluated here in double precision, against eq. 4 as implemented.
        let sde = try MeanRevertingSDE()
        var random = TensorRandom(seed: 3)
        let (x0, mu, xt) = (random.normal([1, 3, 4, 4]), random.normal([1, 3, 4, 4]), random.normal([1, 3, 4, 4]))
        for t in [1, 2, 10, 50, 99, 100] {
            let d = Double(sde.dt)
            let barT = Double(sde.thetaBars[t]) * d, barPrevious = Double(sde.thetaBars[t - 1]) * d, step = Double(sde.thetas[t]) * d
            let denominator = 1 - exp(-2 * barT)
            let wt = (1 - exp(-2 * barPrevious)) / denominator * exp(-step)
            let w0 = (1 - exp(-2 * step)) / denominator * exp(-barPrevious)
            let eq6 = (0..<xt.count).map { i -> Double in
                let (x, m, z) = (Double(xt.values[i]), Double(mu.values[i]), Double(x0.values[i]))
                return (x - m) * wt + (z - m) * w0 + m
            }
            let eq4 = sde.optimalReverseState(xt: xt, x0: x0, mu: mu, timesteps: [t]).values
            XCTAssertLessThanOrEqual(relativeError(eq4, eq6), 1e-6, "t = \(t)")
        }
    }

    func testPosteriorSamplerWithOracleNoiseRecoversX0FromAnyStep() throws {
        for steps in [100, 20] {
            let sde = try MeanRevertingSDE(sampleSteps: steps)
            var random = TensorRandom(seed: 11)
            let x0 = random.normal([1, 3, 6, 5]) * 0.3 + 0.5
            let mu = x0 + random.normal([1, 3, 6, 5]) * 0.1
            for start in [1, 2, steps / 2, steps] {
                let xt = sde.noisyState(x0: x0, mu: mu, timesteps: [start], noise: random.normal(x0.shape))
                // The oracle knows x0, so its "noise" is exactly (x_t − m_t)/√v_t at the step it is asked about.
                let restored = ReverseSampler(sde: sde, method: .posterior).sample(from: xt, mu: mu, startingAt: start,
                                                                                  random: &random) { x, m, time in
                    let t = Int((time * Float(sde.steps) / Float(sde.trainingSteps)).rounded())
                    return (x - sde.forwardMean(x0: x0, mu: m, timesteps: [t])) * (1 / sde.sigmaBars[t])
                }
                let difference = zip(restored.values, x0.values).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(difference, 1e-5, "steps \(steps), start \(start)")
            }
        }
    }

    func testResidualPredictionWithTheTrueResidualRecoversX0AndWithZeroReturnsTheLQImage() throws {
        for steps in [100, 20] {
            let sde = try MeanRevertingSDE(maxSigma: 10, eps: 0.1, sampleSteps: steps, prediction: .residual)
            var random = TensorRandom(seed: 12)
            let x0 = random.normal([1, 3, 6, 5]) * 0.3 + 0.5
            let mu = x0 + random.normal([1, 3, 6, 5]) * 0.1
            for start in [1, steps / 2, steps] {
                let xt = sde.noisyState(x0: x0, mu: mu, timesteps: [start], noise: random.normal(x0.shape))
                let sampler = ReverseSampler(sde: sde, method: .posterior)
                let restored = sampler.sample(from: xt, mu: mu, startingAt: start, random: &random) { _, m, _ in x0 - m }
                let lq = sampler.sample(from: xt, mu: mu, startingAt: start, random: &random) { x, _, _ in x * 0 }
                XCTAssertLessThanOrEqual(zip(restored.values, x0.values).map { abs($0 - $1) }.max() ?? .infinity, 1e-5)
                XCTAssertLessThanOrEqual(zip(lq.values, mu.values).map { abs($0 - $1) }.max() ?? .infinity, 1e-5)
            }
        }
    }

    func testResidualToNoiseConversionInvertsTheForwardMarginal() throws {
        // x_t built from x0 and ε (eq. 2); the residual x0 − μ must map back to ε, per step and per batch.
        let sde = try MeanRevertingSDE(maxSigma: 10, eps: 0.1, prediction: .residual)
        var random = TensorRandom(seed: 13)
        let x0 = random.normal([3, 2, 4, 4]) * 0.2 + 0.5, mu = x0 + random.normal([3, 2, 4, 4]) * 0.05
        let noise = random.normal(x0.shape), timesteps = [1, 37, 100]
        let xt = sde.noisyState(x0: x0, mu: mu, timesteps: timesteps, noise: noise)
        let batched = sde.noise(fromNetworkOutput: x0 - mu, xt: xt, mu: mu, timesteps: timesteps)
        XCTAssertLessThanOrEqual(zip(batched.values, noise.values).map { abs($0 - $1) }.max() ?? .infinity, 2e-3)
        for (b, t) in timesteps.enumerated() {
            func sample(_ x: Tensor) -> Tensor { x.sliced(axis: 0, b..<(b + 1)) }
            let one = sde.noise(fromNetworkOutput: sample(x0) - sample(mu), xt: sample(xt), mu: sample(mu), timesteps: [t])
            let expected = Array(batched.values[(b * 32)..<((b + 1) * 32)])
            XCTAssertLessThanOrEqual(zip(one.values, expected).map { abs($0 - $1) }.max() ?? .infinity, 1e-6, "t = \(t)")
        }
        let official = try MeanRevertingSDE(maxSigma: 10, eps: 0.1)
        XCTAssertEqual(official.noise(fromNetworkOutput: noise, xt: xt, mu: mu, timesteps: timesteps).values, noise.values)
    }

    func testBatchedX0EstimatesAreEquation8AtEachSamplesStep() throws {
        let sde = try MeanRevertingSDE()
        let timesteps = [1, 37, 100]
        let (mu, xt, predicted) = (try tensor("batch.mu"), try tensor("batch.xt"), try tensor("batch.predicted"))
        let batched = sde.estimatedInitialState(xt: xt, mu: mu, noise: predicted, timesteps: timesteps)
        let size = batched.count / timesteps.count
        for (b, t) in timesteps.enumerated() {
            func sample(_ x: Tensor) -> Tensor { x.sliced(axis: 0, b..<(b + 1)) }
            // The per-step x̂_0 is checked against the official IRSDE in testSchedulesAndCoefficientsMatchTheOfficialIRSDE.
            let one = sde.estimatedInitialState(xt: sample(xt), mu: sample(mu), noise: sample(predicted), timesteps: [t])
            assertClose(Array(batched.values[(b * size)..<((b + 1) * size)]), one.values, 1e-6, "t = \(t)")
        }
    }

    func testRestorationLossOfAResidualNetworkIsTheL1ErrorOfLQPlusResidual() throws {
        let sde = try MeanRevertingSDE(maxSigma: 4, eps: 0.1, prediction: .residual)
        var random = TensorRandom(seed: 14)
        let x0 = random.normal([3, 2, 4, 4]) * 0.2 + 0.5, mu = x0 + random.normal([3, 2, 4, 4]) * 0.05
        let residual = random.normal(x0.shape) * 0.05, timesteps = [1, 50, 100]
        let xt = sde.noisyState(x0: x0, mu: mu, timesteps: timesteps, noise: random.normal(x0.shape))
        let predicted = sde.noise(fromNetworkOutput: residual, xt: xt, mu: mu, timesteps: timesteps)
        let expected = zip(zip(mu.values, residual.values), x0.values).map { Double(abs($0.0 + $0.1 - $1)) }
        let loss = sde.loss(.restoration, predictedNoise: predicted, xt: xt, x0: x0, mu: mu, timesteps: timesteps)
        XCTAssertEqual(Double(loss.scalar), expected.reduce(0, +) / Double(expected.count), accuracy: 1e-6)
    }

    func testMatchingLossWeighsTheX0ErrorOfEachStepByTheMatchingWeight() throws {
        // The identity TrainingObjective's documentation rests on: the reverse-SDE mean from ε̂ minus the one from
        // the true ε is w_t (x̂_0 − x_0); the latter mean is x*_{t−1} up to the Euler step's discretisation error.
        let sde = try MeanRevertingSDE(maxSigma: 4, eps: 0.1, prediction: .residual)
        var random = TensorRandom(seed: 15)
        let x0 = random.normal([4, 1, 3, 3]) * 0.2 + 0.5, mu = x0 + random.normal([4, 1, 3, 3]) * 0.05
        let residual = random.normal(x0.shape) * 0.05, timesteps = [2, 10, 60, 100], noise = random.normal(x0.shape)
        let xt = sde.noisyState(x0: x0, mu: mu, timesteps: timesteps, noise: noise)
        let predicted = sde.noise(fromNetworkOutput: residual, xt: xt, mu: mu, timesteps: timesteps)
        let difference = sde.reverseSDEMean(xt: xt, score: sde.score(fromNoise: predicted, timesteps: timesteps), mu: mu, timesteps: timesteps)
            - sde.reverseSDEMean(xt: xt, score: sde.score(fromNoise: noise, timesteps: timesteps), mu: mu, timesteps: timesteps)
        var expected = [Float](), weighted = 0.0
        for (b, t) in timesteps.enumerated() {
            for i in (b * 9)..<((b + 1) * 9) {
                let error = mu.values[i] + residual.values[i] - x0.values[i]
                expected.append(sde.matchingWeight(t) * error)
                weighted += Double(abs(sde.matchingWeight(t) * error))
            }
        }
        assertClose(difference.values, expected, 1e-4, "reverse-mean difference")
        let matching = sde.loss(.matching, predictedNoise: predicted, xt: xt, x0: x0, mu: mu, timesteps: timesteps)
        XCTAssertEqual(Double(matching.scalar), weighted / 36, accuracy: 1e-3 * weighted / 36)
        // The weight falls from the first steps to T, where the samplers start.
        XCTAssertGreaterThan(sde.matchingWeight(1), 100 * sde.matchingWeight(100))
    }

    func testForwardMarginalMomentsMatchEquation2() throws {
        // Simulate dx = θ_t(μ − x)dt + σ_t dW with 40 Euler sub-steps per step, 20 000 scalar paths, and compare
        // the sample mean and variance at several t with m_t and v_t of eq. 2.
        let sde = try MeanRevertingSDE(trainingSteps: 50)
        let paths = 20_000, substeps = 40
        let (x0, mu) = (0.8, 0.2)
        var random = TensorRandom(seed: 21)
        var x = [Double](repeating: x0, count: paths)
        for t in 1...sde.steps {
            let theta = Double(sde.thetas[t]), sigma = Double(sde.sigmas[t]), h = Double(sde.dt) / Double(substeps)
            for i in 0..<paths {
                var v = x[i]
                for _ in 0..<substeps { v += theta * (mu - v) * h + sigma * h.squareRoot() * Double(random.normal()) }
                x[i] = v
            }
            guard [5, 25, 50].contains(t) else { continue }
            let mean = x.reduce(0, +) / Double(paths)
            let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(paths - 1)
            let expectedMean = mu + (x0 - mu) * Double(sde.meanDecay(t))
            let expectedVariance = Double(sde.sigmaBars[t] * sde.sigmaBars[t])
            // Five standard errors of the mean and of the variance, plus the Euler discretisation error (tiny).
            XCTAssertEqual(mean, expectedMean, accuracy: 5 * (expectedVariance / Double(paths)).squareRoot() + 1e-4, "mean at t = \(t)")
            XCTAssertEqual(variance, expectedVariance, accuracy: 5 * expectedVariance * (2 / Double(paths)).squareRoot() + 1e-6,
                           "variance at t = \(t)")
        }
    }

    func testInvalidOptionsAreReported() {
        XCTAssertThrowsError(try MeanRevertingSDE(eps: 0))
        XCTAssertThrowsError(try MeanRevertingSDE(trainingSteps: 100, sampleSteps: 101))
        XCTAssertThrowsError(try MeanRevertingSDE(maxSigma: -1))
    }
}
