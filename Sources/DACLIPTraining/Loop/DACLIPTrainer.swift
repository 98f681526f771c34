import Checkpoints
import DACLIP
import Foundation
import Parallelism
import WildTensor

/// Trains a robust DA-CLIP (DACLIP-IR §3.3/§4): the controller `visual_control` and `logit_scale` (CLIP frozen,
/// ``DACLIPTrainableParameters``) by the loss of ``RobustDACLIPLoss`` on batches of ``DACLIPSampler`` (prepared one
/// ahead on a background thread), with the official optimiser set-up (``AdamWGroups``, ``OpenCLIPCosineSchedule``)
/// and `logit_scale` clamped to [0, log 100] after every step (official `train.py:177`); validated by
/// ``ZeroShotEvaluation`` every `val_freq` iterations.
///
/// Outputs go to the experiment folder: `checkpoints/latest.safetensors` (the trained tensors, optimiser, schedule
/// and progress, written atomically every `checkpoint_freq` iterations and at the end), `model.safetensors` (the whole
/// DA-CLIP, readable by `DACLIPModel(contentsOf:)`), `losses.png`, `accuracy.png` (``TrainingCurves``) and
/// `log.jsonl` (``DACLIPTrainingLog``). A run started with `resume` continues bit for bit: batch i depends only on
/// (seed, i), the frozen CLIP is rebuilt identically (checked by a fingerprint), and the text features are constants.
public final class DACLIPTrainer {
    public let options: DACLIPTrainingOptions
    public let directory: URL
    public let model: DACLIPModel
    public private(set) var iteration = 0
    public private(set) var history: [DACLIPStepRecord] = []
    public private(set) var validations: [ZeroShotReport] = []
    /// The trained parameters with their state-dict names.
    public let trainedParameters: [(name: String, tensor: Tensor)]

    let optimiser: AdamWGroups
    let scheduler: LearningRateScheduler
    let loss: RobustDACLIPLoss
    let texts: TextFeatureCache
    let evaluation: ZeroShotEvaluation?
    private let prefetcher: BatchPrefetcher<DACLIPBatch>
    private let fingerprint: String
    private var log: DACLIPTrainingLog?
    /// The claim on the experiment folder: taken before the checkpoint is read or the log rewritten, given up when a
    /// run ends.
    private var lock: FolderLock?

    /// The upper clamp of `logit_scale`: log 100 (official `train.py`, "as in the original paper").
    public static let maximumLogitScale = Float(Foundation.log(100.0))

    /// Builds the run from options (checked by ``DACLIPTrainingPlan``).
    public convenience init(options: DACLIPTrainingOptions, resume: Bool = false, optionsFile: String = "<options>") throws {
        try self.init(plan: try DACLIPTrainingPlan(options: options, resume: resume, optionsFile: optionsFile))
    }

    /// Builds the run `plan` describes: the model (random from `train.manual_seed`, or CLIP from `model.pretrained`
    /// with the controller initialised from it), the optimiser, schedule, prefetching and log; with a resuming plan,
    /// loads the checkpoint.
    public init(plan: DACLIPTrainingPlan) throws {
        options = plan.options
        directory = plan.directory
        let t = options.train
        do { model = try DACLIPModel(configuration: plan.configuration, seed: t.seed) } catch {
            throw DACLIPTrainingError.model("\(error)")
        }
        if let pretrained = options.model.pretrained {
            try OpenCLIPWeights.load(contentsOf: URL(fileURLWithPath: pretrained), into: model)
            OpenCLIPWeights.initialiseController(model, options.model.initialController)
        }
        trainedParameters = DACLIPTrainableParameters.freeze(model, trainText: options.model.trainText)
        fingerprint = DACLIPTrainableParameters.frozenFingerprint(model, trainText: options.model.trainText)
        optimiser = AdamWGroups(trainedParameters, learningRate: t.lr, betas: (t.beta1, t.beta2), epsilon: t.eps,
                                weightDecay: t.weightDecay)
        scheduler = LearningRateScheduler(optimiser: optimiser, schedule: OpenCLIPCosineSchedule(warmup: t.warmup, steps: t.iterations))
        loss = RobustDACLIPLoss(fidelityWeight: Float(t.fidelityWeight))
        texts = TextFeatureCache(model: model, tokenizer: plan.tokenizer, trainable: options.model.trainText)
        evaluation = plan.validationSamples.map { ZeroShotEvaluation(samples: $0) }
        let sampler = plan.sampler, size = t.batchSize, last = t.iterations
        prefetcher = BatchPrefetcher(limit: last) { try sampler.batch(iteration: $0, size: size) }
        do {
            try FileManager.default.createDirectory(at: checkpointURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw DACLIPTrainingError.checkpoint("cannot create \(directory.path): \(error.localizedDescription)")
        }
        // Claimed before anything in the folder is read or rewritten (see ``Trainer``'s reason).
        lock = try Self.claim(directory)
        if plan.resumes { try loadCheckpoint() }
        log = try DACLIPTrainingLog(url: directory.appendingPathComponent("log.jsonl"), keepingThrough: iteration)
    }

    var checkpointURL: URL { DACLIPTrainingPlan.checkpointURL(in: directory) }

    /// Claims the experiment folder.
    /// - Throws: ``DACLIPTrainingError/checkpoint(_:)`` naming the live process that holds it.
    private static func claim(_ directory: URL) throws -> FolderLock {
        do { return try FolderLock(folder: directory.path) } catch { throw DACLIPTrainingError.checkpoint("\(error)") }
    }
    /// The trained DA-CLIP (safetensors with the official names).
    public var modelURL: URL { directory.appendingPathComponent("model.safetensors") }

    /// Runs until `train.iterations` are done (or `stopAfter` more, for tests), validating and checkpointing on
    /// schedule and at the end. The experiment folder is locked from the trainer's creation to the end of the run
    /// (``FolderLock``).
    public func run(stopAfter: Int? = nil, progress: ((DACLIPProgress) -> Void)? = nil) throws {
        let held = try lock ?? Self.claim(directory)
        lock = nil
        defer { held.release() }
        let total = options.train.iterations
        let end = min(total, stopAfter.map { iteration + $0 } ?? .max)
        while iteration < end {
            let record = try step()
            var validation: ZeroShotReport?
            if evaluation != nil, iteration % options.train.valFreq == 0 || iteration == total { validation = try validate() }
            log?.append(record, validation: validation)
            if iteration % options.train.checkpointFreq == 0 || iteration == end { try saveCheckpoint() }
            progress?(DACLIPProgress(record: record, totalIterations: total, validation: validation))
        }
    }

    /// One optimisation step on batch `iteration`.
    @discardableResult
    public func step() throws -> DACLIPStepRecord {
        let batch = try prefetcher.batch(iteration)
        let hqContent = try model.encodeImage(batch.hq, control: false).content
        let (content, degradation) = try model.trainingImageFeatures(batch.lq)
        let degradationTexts = (try texts.training(batch.degradationTexts), ContrastiveTargets(texts: batch.degradationTexts))
        let captions = try batch.captions.map { (try texts.training($0), ContrastiveTargets(texts: $0)) }
        let terms = loss(content: content, degradation: degradation, hqContent: hqContent, captions: captions,
                         degradationTexts: degradationTexts, logitScale: model.logitScale)
        let learningRate = optimiser.learningRate, scale = Double(model.logitScale.scalar)
        optimiser.zeroGrad()
        terms.total.backward()
        if let maxNorm = options.train.gradientClip { _ = clipGradientNorm(trainedParameters, maxNorm: maxNorm) }
        optimiser.step()
        scheduler.step()
        Self.clampLogitScale(model.logitScale)
        iteration += 1
        let record = DACLIPStepRecord(iteration: iteration, loss: Double(terms.total.scalar), degradation: Double(terms.degradation.scalar),
                                      caption: terms.caption.map { Double($0.scalar) }, fidelity: terms.fidelity.map { Double($0.scalar) },
                                      logitScale: Foundation.exp(scale), learningRate: learningRate)
        history.append(record)
        return record
    }

    /// `logit_scale.clamp_(0, log 100)`, in place.
    public static func clampLogitScale(_ parameter: Tensor) {
        parameter.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = Swift.min(Swift.max(buffer[i], 0), maximumLogitScale) }
        }
    }

    /// Zero-shot degradation classification of the validation samples (nil without a validation folder).
    @discardableResult
    public func validate() throws -> ZeroShotReport? {
        guard let evaluation else { return nil }
        let report = try evaluation.evaluate(model, texts: texts, iteration: iteration)
        validations.append(report)
        return report
    }

    // MARK: Checkpoints

    private var components: [(prefix: String, component: any TrainingStateful)] {
        [("optimiser", optimiser), ("scheduler", scheduler)]
    }

    enum MetadataKey {
        static let history = "wildir.history"
        static let validations = "wildir.validations"
        static let fingerprint = "wildir.daclip.frozen_fingerprint"
        static let trainText = "wildir.daclip.train_text"
    }

    /// Writes the resumable checkpoint, the model and the curves, each atomically.
    public func saveCheckpoint() throws {
        do {
            let metadata = [
                MetadataKey.history: try RunRecords.text(history),
                MetadataKey.validations: try RunRecords.text(validations),
                MetadataKey.fingerprint: fingerprint,
                MetadataKey.trainText: String(options.model.trainText),
                DACLIPModel.MetadataKey.configuration: String(decoding: model.configuration.openCLIPJSON(), as: UTF8.self),
            ]
            try TrainedTensorsCheckpoint.write(trainedParameters, components: components, iteration: iteration, metadata: metadata,
                                               to: checkpointURL)
            try model.write(to: modelURL, metadata: ["wildir.daclip.iterations": String(iteration), "wildir.daclip.run": options.name])
            try TrainingCurves.writeLosses(history, validations: validations, title: "\(options.name): robust DA-CLIP losses",
                                           to: directory.appendingPathComponent("losses.png"))
            try TrainingCurves.writeAccuracy(validations, title: "\(options.name): zero-shot degradation accuracy (validation)",
                                             to: directory.appendingPathComponent("accuracy.png"))
        } catch {
            throw DACLIPTrainingError.checkpoint("cannot write to \(directory.path): \(error)")
        }
    }

    private func loadCheckpoint() throws {
        let restored: (iteration: Int, metadata: [String: String])
        do {
            restored = try TrainedTensorsCheckpoint.restore(
                trainedParameters, components: components, from: checkpointURL,
                required: [MetadataKey.fingerprint: fingerprint, MetadataKey.trainText: String(options.model.trainText)],
                mismatch: "it was trained with another frozen CLIP (model.config, model.pretrained, model.train_text or "
                    + "train.manual_seed differ): resume it with its own options")
        } catch {
            throw DACLIPTrainingError.checkpoint("\(checkpointURL.path): \(error)")
        }
        iteration = restored.iteration
        history = RunRecords.value([DACLIPStepRecord].self, from: restored.metadata[MetadataKey.history]) ?? []
        validations = RunRecords.value([ZeroShotReport].self, from: restored.metadata[MetadataKey.validations]) ?? []
    }
}
