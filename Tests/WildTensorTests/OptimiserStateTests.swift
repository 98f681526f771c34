import Checkpoints
import Foundation
import TestSupport
import WildTensor
import XCTest

/// Saving and resuming training state (optimiser, scheduler, EMA), and the errors for state that does not fit.
final class OptimiserStateTests: XCTestCase {
    /// One training run's components over the fixture's parameters plus a frozen one that never has a gradient.
    final class Run {
        let parameters: [(name: String, tensor: Tensor)]
        let optimiser: Adam
        let scheduler: LearningRateScheduler
        let ema: ExponentialMovingAverage
        let data: OptimiserFixture
        let clip: Double?

        init(_ data: OptimiserFixture, adamW: Bool, amsgrad: Bool, clip: Double?, initial: [String: [Float]]? = nil) {
            self.data = data
            self.clip = clip
            var parameters = data.makeParameters()
            parameters.append(("frozen.weight", Tensor(shape: [4], values: [1, 2, 3, 4])))
            if let initial {
                for (name, tensor) in parameters { tensor.assign(Tensor(shape: tensor.shape, values: initial[name]!)) }
            }
            self.parameters = parameters
            optimiser = adamW
                ? AdamW(parameters, learningRate: 1e-2, betas: (0.9, 0.99), weightDecay: 0.01, amsgrad: amsgrad)
                : Adam(parameters, learningRate: 1e-2, weightDecay: 1e-3, amsgrad: amsgrad)
            scheduler = LearningRateScheduler(optimiser: optimiser, schedule: CosineAnnealing(tMax: 16, etaMin: 1e-5, warmUpSteps: 3))
            ema = ExponentialMovingAverage(parameters, decay: 0.9)
        }

        /// Runs 1-based steps `steps` (gradients from the fixture; the frozen parameter never gets one).
        func train(_ steps: ClosedRange<Int>) {
            for step in steps {
                optimiser.zeroGrad()
                data.setGradients(Array(parameters.dropLast()), step: step)
                if let clip { clipGradientNorm(parameters, maxNorm: clip) }
                optimiser.step()
                scheduler.step()
                ema.update()
            }
        }

        var components: [(prefix: String, component: any TrainingStateful)] {
            [("optimiser", optimiser), ("scheduler", scheduler), ("ema", ema)]
        }

        /// Everything that must agree bit for bit: parameters, moments, averages, learning rate.
        var fingerprint: [String: [Double]] {
            var out: [String: [Double]] = [:]
            for (name, tensor) in parameters {
                out[name] = tensor.values.map(Double.init)
                if let moments = optimiser.moments(of: name) {
                    out["\(name).m"] = moments.expAvg.values.map(Double.init)
                    out["\(name).v"] = moments.expAvgSq.values.map(Double.init)
                    out["\(name).vmax"] = moments.maxExpAvgSq?.values.map(Double.init)
                    out["\(name).step"] = [Double(moments.step)]
                }
                out["\(name).ema"] = ema.average(of: name)!.values.map(Double.init)
            }
            out["lr"] = [optimiser.learningRate]
            return out
        }
    }

    /// Fails naming the first entry (and element) that differs in any bit.
    func assertIdentical(_ a: [String: [Double]], _ b: [String: [Double]], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted(), "\(label): entries", file: file, line: line)
        for key in a.keys.sorted() {
            guard let x = a[key], let y = b[key] else { continue }
            let shared = min(x.count, y.count)
            if let index = (0..<shared).first(where: { x[$0].bitPattern != y[$0].bitPattern }) ?? (x.count == y.count ? nil : shared) {
                XCTFail("\(label): '\(key)' differs at element \(index): \(index < x.count ? x[index] : .nan) vs \(index < y.count ? y[index] : .nan)",
                        file: file, line: line)
            }
        }
    }

    func testResumeIsBitIdentical() throws {
        let data = try OptimiserFixture()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-optim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (adamW, amsgrad, clip) in [(false, false, nil), (true, false, 2.0), (true, true, nil), (false, true, 0.5)] as [(Bool, Bool, Double?)] {
            let label = "\(adamW ? "AdamW" : "Adam") amsgrad \(amsgrad) clip \(clip.map { "\($0)" } ?? "none")"
            let uninterrupted = Run(data, adamW: adamW, amsgrad: amsgrad, clip: clip)
            uninterrupted.train(1...data.steps)

            let first = Run(data, adamW: adamW, amsgrad: amsgrad, clip: clip)
            first.train(1...10)
            let url = directory.appendingPathComponent("\(label).safetensors")
            let weights = first.parameters.map { (name: $0.name, tensor: try! StoredTensor(shape: $0.tensor.shape, float32: $0.tensor.values)) }
            try TrainingState.write(first.components, tensors: weights, metadata: ["iteration": "10"], to: url)

            // A new process: parameters from the checkpoint, components built from the same configuration.
            let file = try SafeTensorsFile(contentsOf: url)
            XCTAssertEqual(file.metadata["iteration"], "10")
            var initial: [String: [Float]] = [:]
            for (name, _) in first.parameters { initial[name] = try file.tensor(name).floatValues() }
            let resumed = Run(data, adamW: adamW, amsgrad: amsgrad, clip: clip, initial: initial)
            try TrainingState.restore(resumed.components, from: file)
            assertIdentical(resumed.fingerprint, first.fingerprint, "\(label): state right after loading")
            XCTAssertNil(resumed.optimiser.moments(of: "frozen.weight"), "\(label): a parameter without gradients has no state")
            XCTAssertEqual(resumed.scheduler.stepCount, 10)
            XCTAssertEqual(resumed.ema.updateCount, 10)
            resumed.train(11...data.steps)
            assertIdentical(resumed.fingerprint, uninterrupted.fingerprint, "\(label): resumed run vs uninterrupted run")
            XCTAssertEqual(resumed.parameters.last!.tensor.values, [1, 2, 3, 4])
        }
    }

    func testStateEntriesAreNamedByParameter() throws {
        let data = try OptimiserFixture()
        let run = Run(data, adamW: false, amsgrad: true, clip: nil)
        run.train(1...3)
        let names = run.optimiser.stateTensors().map(\.name)
        XCTAssertEqual(Array(names.prefix(4)), ["body.0.weight.exp_avg", "body.0.weight.exp_avg_sq", "body.0.weight.max_exp_avg_sq", "body.0.weight.step"])
        XCTAssertFalse(names.contains { $0.hasPrefix("frozen.weight") })
        // head.bias had no gradient at step 3.
        let step = run.optimiser.stateTensors().first { $0.name == "head.bias.step" }!.tensor
        XCTAssertEqual(step.elementType, .int64)
        XCTAssertEqual(step.shape, [])
        XCTAssertEqual(step.doubleValues(), [2])
        let metadata = run.optimiser.stateMetadata()
        XCTAssertEqual(metadata["type"], "Adam")
        XCTAssertEqual(metadata["weight_decay"], "0.001")
        XCTAssertEqual(Double(metadata["lr"]!), run.optimiser.learningRate)
        XCTAssertEqual(run.ema.stateTensors().map(\.name), run.parameters.map(\.name))
    }

    /// The message of a `stateMismatch` thrown by `body`, or a failure.
    func mismatch(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            try body()
            XCTFail("expected TensorError.stateMismatch", file: file, line: line)
        } catch let TensorError.stateMismatch(message) {
            return message
        } catch {
            XCTFail("expected TensorError.stateMismatch, got \(error)", file: file, line: line)
        }
        return ""
    }

    func testLoadingStateOfAnotherModelThrows() throws {
        let source = [("head.weight", Tensor(shape: [3, 4], repeating: 1, requiresGrad: true)),
                      ("head.bias", Tensor(shape: [3], repeating: 0, requiresGrad: true))]
        let optimiser = Adam(source)
        for (_, tensor) in source { tensor.grad = Tensor(shape: tensor.shape, repeating: 0.5) }
        optimiser.step()
        let tensors = Dictionary(uniqueKeysWithValues: optimiser.stateTensors().map { ($0.name, $0.tensor) })
        let metadata = optimiser.stateMetadata()

        // Wrong shape: the message names the entry and both shapes.
        let transposed = Adam([("head.weight", Tensor(shape: [4, 3], repeating: 1)), ("head.bias", Tensor(shape: [3], repeating: 0))])
        let shapeMessage = mismatch { try transposed.loadState(tensors: tensors, metadata: metadata) }
        XCTAssertTrue(shapeMessage.contains("'head.weight.exp_avg' is [3, 4] but parameter 'head.weight' is [4, 3]"), shapeMessage)
        XCTAssertNil(transposed.moments(of: "head.bias"), "a rejected state must not be partly loaded")

        // Wrong name: the state of an unknown parameter, and nothing for the new one (allowed: no gradient yet).
        let renamed = Adam([("tail.weight", Tensor(shape: [3, 4], repeating: 1)), ("head.bias", Tensor(shape: [3], repeating: 0))])
        let nameMessage = mismatch { try renamed.loadState(tensors: tensors, metadata: metadata) }
        XCTAssertTrue(nameMessage.contains("unexpected entries (3)") && nameMessage.contains("head.weight.exp_avg"), nameMessage)

        // Incomplete state of a parameter.
        var partial = tensors
        partial["head.bias.exp_avg_sq"] = nil
        let fresh = Adam(source.map { ($0.0, $0.1.copy()) })
        let missingMessage = mismatch { try fresh.loadState(tensors: partial, metadata: metadata) }
        XCTAssertTrue(missingMessage.contains("missing entries (1): head.bias.exp_avg_sq"), missingMessage)

        // Wrong element type.
        var halves = tensors
        halves["head.bias.exp_avg"] = try StoredTensor(shape: [3], elementType: .float16, bytes: Data(count: 6))
        let typeMessage = mismatch { try fresh.loadState(tensors: halves, metadata: metadata) }
        XCTAssertTrue(typeMessage.contains("'head.bias.exp_avg' is F16, expected F32"), typeMessage)

        // Another optimiser type, another configuration.
        let adamW = AdamW(source.map { ($0.0, $0.1.copy()) })
        XCTAssertTrue(mismatch { try adamW.loadState(tensors: tensors, metadata: metadata) }.contains("is for Adam, not AdamW"))
        let decayed = Adam(source.map { ($0.0, $0.1.copy()) }, weightDecay: 0.1)
        let configurationMessage = mismatch { try decayed.loadState(tensors: tensors, metadata: metadata) }
        XCTAssertTrue(configurationMessage.contains("weight_decay saved 0.0, configured 0.1"), configurationMessage)

        // The matching model accepts it.
        XCTAssertNoThrow(try fresh.loadState(tensors: tensors, metadata: metadata))
        XCTAssertEqual(fresh.moments(of: "head.weight")?.step, 1)
    }

    func testEMAAndSchedulerRejectMismatchedState() throws {
        let parameters = [("a", Tensor(shape: [2], values: [1, 2])), ("b", Tensor(shape: [3], values: [1, 2, 3]))]
        let ema = ExponentialMovingAverage(parameters, decay: 0.999)
        let tensors = Dictionary(uniqueKeysWithValues: ema.stateTensors().map { ($0.name, $0.tensor) })
        let other = ExponentialMovingAverage([("a", Tensor(shape: [2], values: [0, 0])), ("c", Tensor(shape: [3], values: [0, 0, 0]))])
        let message = mismatch { try other.loadState(tensors: tensors, metadata: ema.stateMetadata()) }
        XCTAssertTrue(message.contains("unexpected entries (1)") && message.contains("b") && message.contains("missing entries (1): c"), message)
        XCTAssertEqual(other.average(of: "a")!.values, [0, 0], "a rejected state must not be partly loaded")
        let otherDecay = ExponentialMovingAverage(parameters, decay: 0.99)
        XCTAssertTrue(mismatch { try otherDecay.loadState(tensors: tensors, metadata: ema.stateMetadata()) }.contains("decay saved 0.999, configured 0.99"))

        let optimiser = Adam(parameters)
        let scheduler = LearningRateScheduler(optimiser: optimiser, schedule: CosineAnnealing(tMax: 10))
        let otherScheduler = LearningRateScheduler(optimiser: Adam(parameters), schedule: MultiStepDecay(milestones: [5]))
        XCTAssertTrue(mismatch { try otherScheduler.loadState(tensors: [:], metadata: scheduler.stateMetadata()) }.contains("schedule saved CosineAnnealing"))
        XCTAssertTrue(mismatch { try ema.loadState(tensors: [:], metadata: scheduler.stateMetadata()) }.contains("is for LearningRateScheduler, not ExponentialMovingAverage"))

        XCTAssertThrowsError(try ema.copy(into: [("a", Tensor(shape: [3], repeating: 0))])) { error in
            XCTAssertTrue("\(error)".contains("wrong shape (1): 'a' is [3], the average [2]"), "\(error)")
        }
    }

    func testRestoreIsAllOrNothing() throws {
        let parameters = [("w", Tensor(shape: [3], values: [1, 2, 3], requiresGrad: true))]
        let optimiser = Adam(parameters, learningRate: 0.1)
        parameters[0].1.grad = Tensor(shape: [3], values: [1, -1, 0.5])
        optimiser.step()
        let ema = ExponentialMovingAverage(parameters)
        let saved = TrainingState.collect([("optimiser", optimiser), ("ema", ema)])
        var tensors = saved.tensors
        tensors.removeAll { $0.name == "ema/w" }
        let file = try SafeTensorsFile(data: SafeTensorsFile.encode(tensors, metadata: saved.metadata))

        let target = Adam([("w", Tensor(shape: [3], values: [0, 0, 0]))], learningRate: 0.1)
        let targetEMA = ExponentialMovingAverage([("w", Tensor(shape: [3], values: [0, 0, 0]))])
        XCTAssertThrowsError(try TrainingState.restore([("optimiser", target), ("ema", targetEMA)], from: file)) { error in
            XCTAssertTrue("\(error)".contains("missing entries (1): w"), "\(error)")
        }
        XCTAssertNil(target.moments(of: "w"), "the optimiser loaded before the failing EMA must be put back")
        XCTAssertThrowsError(try TrainingState.restore([("scheduler", target)], from: file)) { error in
            XCTAssertTrue("\(error)".contains("no state under 'scheduler/'"), "\(error)")
        }
    }
}
