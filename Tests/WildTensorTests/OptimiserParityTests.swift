import Checkpoints
import Foundation
import TestSupport
import WildTensor
import XCTest

/// The inputs and references of `Tests/Fixtures/tensor/optimisers.safetensors` (`Tools/fixtures/tensor_optimisers.py`).
struct OptimiserFixture {
    let fixture: ParityFixture
    /// Parameter names and shapes, in order.
    let parameterShapes: [(name: String, shape: [Int])]
    /// Number of steps recorded.
    let steps: Int
    /// 1-based steps at which a parameter has no gradient.
    let skip: [String: Set<Int>]

    init() throws {
        fixture = try ParityFixture("optimisers")
        let setup = fixture.parameters("setup")
        parameterShapes = (setup["params"] as? [[Any]] ?? []).map { entry in
            (entry[0] as! String, (entry[1] as! [Any]).map { ($0 as! NSNumber).intValue })
        }
        steps = (setup["steps"] as? NSNumber)?.intValue ?? 0
        skip = (setup["skip"] as? [String: [Any]] ?? [:]).mapValues { Set($0.map { ($0 as! NSNumber).intValue }) }
    }

    /// Fresh parameters with the fixture's initial values.
    func makeParameters() -> [(name: String, tensor: Tensor)] {
        parameterShapes.map { name, shape in
            (name, Tensor(shape: shape, values: fixture.array("init.\(name)")!.values.map(Float.init), requiresGrad: true))
        }
    }

    /// Row `index` (0-based) of a stored `[steps, *shape]` array, as Float32.
    func row(_ key: String, _ index: Int) -> [Float] {
        let (shape, values) = fixture.array(key)!
        let count = shape.dropFirst().reduce(1, *)
        return values[(index * count)..<((index + 1) * count)].map(Float.init)
    }

    /// Row `index` as Double (the reference values).
    func referenceRow(_ key: String, _ index: Int) -> [Double] {
        let (shape, values) = fixture.array(key)!
        let count = shape.dropFirst().reduce(1, *)
        return Array(values[(index * count)..<((index + 1) * count)])
    }

    /// Sets the gradients of 1-based `step` (nil where the fixture gives none).
    func setGradients(_ parameters: [(name: String, tensor: Tensor)], step: Int) {
        for (name, tensor) in parameters {
            tensor.grad = skip[name, default: []].contains(step)
                ? nil : Tensor(shape: tensor.shape, values: row("grad.\(name)", step - 1))
        }
    }

    func configuration(_ name: String) -> [String: Any] { fixture.parameters(name) }
}

/// Reads numbers and flags from a case's JSON configuration.
extension Dictionary where Key == String, Value == Any {
    func optimiserDouble(_ key: String) -> Double { (self[key] as? NSNumber)?.doubleValue ?? .nan }
    func optimiserDoubles(_ key: String) -> [Double] { (self[key] as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? [] }
    func optimiserInts(_ key: String) -> [Int] { (self[key] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? [] }
    func optimiserFlag(_ key: String) -> Bool { (self[key] as? NSNumber)?.boolValue ?? false }
}

/// Largest |a − b| over two arrays.
func optimiserMaxAbsolute(_ a: [Float], _ b: [Double]) -> Double {
    zip(a, b).reduce(0) { Swift.max($0, abs(Double($1.0) - $1.1)) }
}

/// Parity of Adam / AdamW (with CosineAnnealing, skipped gradients and gradient clipping), the schedules and the
/// EMA against PyTorch's float32 results.
final class OptimiserParityTests: XCTestCase {
    /// Trajectory tolerance: max |Δ| / max |reference| per parameter tensor and step (`relativeError`).
    static let trajectoryTolerance = 1e-5

    /// Builds the optimiser a case describes.
    static func makeOptimiser(_ config: [String: Any], _ parameters: [(name: String, tensor: Tensor)]) -> Adam {
        let betas = config.optimiserDoubles("betas")
        let arguments = (lr: config.optimiserDouble("lr"), betas: (betas[0], betas[1]), eps: config.optimiserDouble("eps"),
                         wd: config.optimiserDouble("weight_decay"), ams: config.optimiserFlag("amsgrad"),
                         max: config.optimiserFlag("maximize"))
        if (config["optimiser"] as? String) == "AdamW" {
            return AdamW(parameters, learningRate: arguments.lr, betas: arguments.betas, epsilon: arguments.eps,
                         weightDecay: arguments.wd, amsgrad: arguments.ams, maximize: arguments.max)
        }
        return Adam(parameters, learningRate: arguments.lr, betas: arguments.betas, epsilon: arguments.eps,
                    weightDecay: arguments.wd, amsgrad: arguments.ams, maximize: arguments.max)
    }

    func testTrajectoriesMatchPyTorch() throws {
        let data = try OptimiserFixture()
        let cases = ["adam", "adam_l2", "adamw", "adamw_nowd", "adam_clip", "adamw_amsgrad_maximize"]
        var worstRelative = 0.0, worstAbsolute = 0.0, worstLearningRate = 0.0, worstNorm = 0.0
        var identical = 0, total = 0
        for name in cases {
            let config = data.configuration(name)
            XCTAssertFalse(config.isEmpty, "fixture lacks case \(name)")
            let parameters = data.makeParameters()
            let optimiser = Self.makeOptimiser(config, parameters)
            let scheduler = LearningRateScheduler(
                optimiser: optimiser,
                schedule: CosineAnnealing(tMax: Int(config.optimiserDouble("T_max")), etaMin: config.optimiserDouble("eta_min")))
            let learningRates = data.fixture.array("\(name).lr")!.values
            var caseRelative = 0.0
            for step in 1...data.steps {
                let lrError = abs(optimiser.learningRate - learningRates[step - 1]) / learningRates[step - 1]
                worstLearningRate = max(worstLearningRate, lrError)
                XCTAssertLessThanOrEqual(lrError, 1e-12, "\(name) step \(step): learning rate")
                optimiser.zeroGrad()
                data.setGradients(parameters, step: step)
                if let maxNorm = config["clip"] as? NSNumber {
                    let norm = clipGradientNorm(parameters, maxNorm: maxNorm.doubleValue)
                    let reference = data.fixture.array("\(name).total_norm")!.values[step - 1]
                    let normError = abs(Double(norm) - reference) / reference
                    worstNorm = max(worstNorm, normError)
                    XCTAssertLessThanOrEqual(normError, 1e-6, "\(name) step \(step): total norm \(norm) vs \(reference)")
                }
                optimiser.step()
                scheduler.step()
                for (parameter, tensor) in parameters {
                    let reference = data.referenceRow("\(name).\(parameter)", step - 1)
                    let values = tensor.values
                    let relative = relativeError(values, reference)
                    caseRelative = max(caseRelative, relative)
                    worstAbsolute = max(worstAbsolute, optimiserMaxAbsolute(values, reference))
                    identical += zip(values, reference).filter { Double($0) == $1 }.count
                    total += values.count
                    XCTAssertLessThanOrEqual(relative, Self.trajectoryTolerance, "\(name) step \(step): \(parameter)")
                }
            }
            XCTAssertLessThanOrEqual(abs(optimiser.learningRate - learningRates[data.steps]) / learningRates[data.steps], 1e-12)
            // head.bias had no gradient at two steps: its own step count is two behind.
            XCTAssertEqual(optimiser.moments(of: "head.bias")?.step, data.steps - data.skip["head.bias", default: []].count)
            XCTAssertEqual(optimiser.moments(of: "head.weight")?.step, data.steps)
            worstRelative = max(worstRelative, caseRelative)
            print("optimiser parity \(name): max relative error \(caseRelative)")
        }
        print("optimiser parity: worst relative \(worstRelative), worst absolute \(worstAbsolute), "
              + "\(identical)/\(total) values bit-identical to PyTorch; learning rate \(worstLearningRate); total norm \(worstNorm)")
    }

    func testSchedulesMatchPyTorchAndBasicSR() throws {
        let data = try OptimiserFixture()
        let schedules: [(String, any LearningRateSchedule, Double)] = [
            ("cosine_t20", CosineAnnealing(tMax: 20, etaMin: 1e-6), 1e-12),
            ("cosine_warmup", CosineAnnealing(tMax: 20, etaMin: 1e-6, warmUpSteps: 5, warmUpStartFactor: 0.1), 1e-12),
            ("multistep", MultiStepDecay(milestones: [5, 10, 10, 15], gamma: 0.1), 0),
            ("cosine_restart", CosineAnnealingRestart(periods: [10, 15, 5], restartWeights: [1, 0.5, 0.25], etaMin: 1e-7), 0),
        ]
        for (name, schedule, tolerance) in schedules {
            // Every schedule must be there (the generator fails when BasicSR's sources are unavailable).
            let reference = try XCTUnwrap(data.fixture.array("schedule_\(name).lr")?.values, "fixture lacks schedule \(name)")
            XCTAssertGreaterThan(reference.count, 20, name)
            let base = data.configuration("schedule_\(name)").optimiserDouble("base_lr")
            var worst = 0.0
            for (step, expected) in reference.enumerated() {
                let lr = schedule.learningRate(atStep: step, base: base)
                let error = abs(lr - expected) / expected
                worst = max(worst, error)
                XCTAssertLessThanOrEqual(error, tolerance, "\(name) step \(step): \(lr) vs \(expected)")
            }
            print("schedule \(name): max relative difference \(worst) over \(reference.count) values")
        }
    }

    func testSchedulerDrivesTheOptimiserLikePyTorch() throws {
        let parameter = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let optimiser = Adam([("w", parameter)], learningRate: 2e-4)
        let scheduler = LearningRateScheduler(optimiser: optimiser, schedule: CosineAnnealing(tMax: 20, etaMin: 1e-6, warmUpSteps: 5, warmUpStartFactor: 0.1))
        XCTAssertEqual(optimiser.learningRate, 2e-4 * 0.1, accuracy: 1e-18)
        XCTAssertEqual(scheduler.baseLearningRate, 2e-4)
        for _ in 0..<5 { scheduler.step() }
        XCTAssertEqual(optimiser.learningRate, 2e-4)
        for _ in 0..<15 { scheduler.step() }
        XCTAssertEqual(optimiser.learningRate, 1e-6, accuracy: 1e-18)
        XCTAssertEqual(scheduler.stepCount, 20)
    }

    func testEMAMatchesBasicSR() throws {
        let data = try OptimiserFixture()
        for decay in [0.999, 0.9] {
            let name = "ema_\(decay)"
            let source = data.configuration(name)["source"] as? String ?? ""
            let parameters = data.makeParameters()
            let ema = ExponentialMovingAverage(parameters, decay: decay)
            var worst = 0.0
            for step in 1...data.steps {
                // Feed PyTorch's own parameter trajectory so only the averaging is compared.
                for (parameter, tensor) in parameters {
                    tensor.assign(Tensor(shape: tensor.shape, values: data.row("\(source).\(parameter)", step - 1)))
                }
                ema.update()
                for (parameter, _) in parameters {
                    let error = relativeError(ema.average(of: parameter)!.values, data.referenceRow("\(name).\(parameter)", step - 1))
                    worst = max(worst, error)
                    XCTAssertLessThanOrEqual(error, 1e-6, "\(name) step \(step): \(parameter)")
                }
            }
            XCTAssertEqual(ema.updateCount, data.steps)
            print("ema decay \(decay): max relative error \(worst)")
            ema.copyToParameters()
            for (parameter, tensor) in parameters { XCTAssertEqual(tensor.values, ema.average(of: parameter)!.values) }
        }
    }
}
