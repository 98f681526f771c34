import Checkpoints
import Foundation
import Parallelism
import SSPIR
import StableDiffusion
import WildTensor

/// Trains SSP-IR (Zhang et al., §III-D; the official `train.py`): the U-Net's Prior-Guided Attention, the ControlNet
/// with its Processor and the Refine Layer (``SSPIRObjective``; the rest frozen) by L = L_diff + λ₁·L_RGB + λ₂·L_FFT,
/// with AdamW at a constant learning rate and the ControlNet's and U-Net's gradients clipped, on batches of
/// ``SSPIRSampler`` prepared one ahead on a background thread; validated by ``SSPIRValidation`` every `val_freq`
/// iterations.
///
/// Outputs go to the experiment folder: `checkpoints/latest.safetensors` (the trained tensors, the optimiser and the
/// progress, written atomically every `checkpoint_freq` iterations and at the end), `model/` (an SSP-IR checkpoint
/// folder in the official layout, `unet/`, `controlnet/`, `refine/refine.safetensors`, which `wildir restore
/// --method sspir --sspir` reads; not written for ablations that diffusers' `config.json` cannot describe; for a
/// `model.tiny` run also its frozen networks, `stable-diffusion/` and `clip-vision/`, see ``SSPIRFrozenNetworksFolder``,
/// so that the run restores from its folder alone: ``restoreSources``),
/// `losses.png`, `validation.png` and `log.jsonl`. A run started with `resume` continues bit for bit: batch i, its
/// time steps and its noise depend only on (seed, i), and the frozen networks are rebuilt identically (checked by a
/// fingerprint).
public final class SSPIRTrainer {
    public let options: SSPIRTrainingOptions
    public let directory: URL
    public let objective: SSPIRObjective
    public private(set) var iteration = 0
    public private(set) var history: [SSPIRStepRecord] = []
    public private(set) var validations: [SSPIRValidationReport] = []
    /// The trained parameters with their names (`unet.…`, `controlnet.…`, `refine.…`).
    public let trainedParameters: [(name: String, tensor: Tensor)]

    let optimiser: AdamW
    private let clipped: [(name: String, tensor: Tensor)]
    private let validation: SSPIRValidation?
    private let prefetcher: BatchPrefetcher<SSPIRBatch>
    private let fingerprint: String
    private var log: JSONLinesLog?
    /// The claim on the experiment folder, from the trainer's creation to the end of a run.
    private var lock: FolderLock?

    /// The networks.
    public var pipeline: SSPIRPipeline { objective.pipeline }

    /// Builds the run from options (checked by ``SSPIRTrainingPlan``).
    public convenience init(options: SSPIRTrainingOptions, resume: Bool = false, optionsFile: String = "<options>") throws {
        try self.init(plan: try SSPIRTrainingPlan(options: options, resume: resume, optionsFile: optionsFile))
    }

    /// Builds the run `plan` describes; with a resuming plan, loads the checkpoint.
    public init(plan: SSPIRTrainingPlan) throws {
        options = plan.options
        directory = plan.directory
        let t = options.train
        let networks = try SSPIRTrainingNetworks.build(options.model, tokenizer: plan.tokenizer, seed: t.seed)
        objective = try SSPIRObjective(pipeline: networks, structureLoss: StructurePriorLoss(pixelWeight: Float(t.rgbWeight),
                                                                                             frequencyWeight: Float(t.fftWeight)))
        objective.freezeOthers()
        trainedParameters = objective.trainableParameters
        clipped = objective.clippedParameters
        let trained = Set(trainedParameters.map { ObjectIdentifier($0.tensor) })
        let modules: [Module] = [networks.vae, networks.textEncoder, networks.imageEncoder.tower, networks.unet, networks.controlNet,
                                 networks.refine]
        fingerprint = parameterFingerprint(modules.flatMap { $0.namedParameters() }.filter { !trained.contains(ObjectIdentifier($0.tensor)) })
        optimiser = AdamW(trainedParameters, learningRate: t.lr, betas: (t.beta1, t.beta2), epsilon: t.eps, weightDecay: t.weightDecay)
        validation = plan.validationSamples.map { SSPIRValidation(samples: $0, options: plan.options.validation, seed: t.seed) }
        let sampler = plan.sampler, size = t.batchSize
        prefetcher = BatchPrefetcher(limit: t.iterations) { try sampler.batch(iteration: $0, size: size) }
        do {
            try FileManager.default.createDirectory(at: checkpointURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw SSPIRTrainingError.checkpoint("cannot create \(directory.path): \(error.localizedDescription)")
        }
        lock = try Self.claim(directory)
        if plan.resumes { try loadCheckpoint() }
        do { log = try JSONLinesLog(url: directory.appendingPathComponent("log.jsonl"), keepingThrough: iteration) } catch {
            throw SSPIRTrainingError.checkpoint("\(error)")
        }
    }

    var checkpointURL: URL { SSPIRTrainingPlan.checkpointURL(in: directory) }

    /// The trained networks in the official checkpoint layout.
    public var modelURL: URL { directory.appendingPathComponent("model") }

    /// The `--sd`, `--sspir`, `--clip-vision` and `--vocabulary` of `wildir restore --method sspir` with this run's
    /// networks: `model/` with, for a tiny run, its `stable-diffusion/` and `clip-vision/` (else the files the run
    /// started from); nil for an ablation that `model/` is not written for.
    public var restoreSources: SSPIRRestoreSources? {
        guard pipeline.unet.configuration.isDiffusersRepresentable else { return nil }
        let model = modelURL.relativePath
        let frozen = options.model.tiny == nil
            ? (options.model.stableDiffusion ?? "", options.model.clipVision ?? "")
            : (modelURL.appendingPathComponent(SSPIRFrozenNetworksFolder.stableDiffusionName).relativePath,
               modelURL.appendingPathComponent(SSPIRFrozenNetworksFolder.clipVisionName).relativePath)
        return SSPIRRestoreSources(stableDiffusion: frozen.0, sspir: model, clipVision: frozen.1, vocabulary: options.model.tokenizer)
    }

    private static func claim(_ directory: URL) throws -> FolderLock {
        do { return try FolderLock(folder: directory.path) } catch { throw SSPIRTrainingError.checkpoint("\(error)") }
    }

    /// Runs until `train.iterations` are done (or `stopAfter` more), validating and checkpointing on schedule and at
    /// the end.
    public func run(stopAfter: Int? = nil, progress: ((SSPIRProgress) -> Void)? = nil) throws {
        let held = try lock ?? Self.claim(directory)
        lock = nil
        defer { held.release() }
        let total = options.train.iterations
        let end = min(total, stopAfter.map { iteration + $0 } ?? .max)
        while iteration < end {
            let record = try step()
            var report: SSPIRValidationReport?
            if validation != nil, iteration % options.train.valFreq == 0 || iteration == total { report = try validate() }
            log?.append(record, adding: "validation", report)
            if iteration % options.train.checkpointFreq == 0 || iteration == end { try saveCheckpoint() }
            progress?(SSPIRProgress(record: record, totalIterations: total, validation: report))
        }
    }

    /// The time steps and noise of batch `iteration` (and its VAE posterior draws): a stream of its own.
    static func stream(seed: UInt64, iteration: Int) -> TensorRandom {
        TensorRandom(seed: (seed &+ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9 ^ UInt64(iteration) &* 0x94D0_49BB_1331_11EB)
    }

    /// One optimisation step on batch `iteration`.
    @discardableResult
    public func step() throws -> SSPIRStepRecord {
        let batch = try prefetcher.batch(iteration)
        var random = Self.stream(seed: options.train.seed, iteration: iteration)
        let count = batch.captions.count, steps = objective.schedule.trainTimesteps
        let timesteps = (0..<count).map { _ in Int(random.next() % UInt64(steps)) }
        let noise = random.normal(objective.latentShape(forImages: batch.groundTruth))
        let value = try objective(groundTruth: batch.groundTruth, lowQuality: batch.lowQuality, captions: batch.captions,
                                  timesteps: timesteps, noise: noise, generator: &random)
        let learningRate = optimiser.learningRate
        optimiser.zeroGrad()
        value.total.backward()
        let norm = clipGradientNorm(clipped, maxNorm: options.train.gradientClip ?? .infinity)
        optimiser.step()
        iteration += 1
        let record = SSPIRStepRecord(iteration: iteration, loss: Double(value.total.scalar), diffusion: Double(value.diffusion.scalar),
                                     rgb: value.structure.pixel.reduce(0) { $0 + Double($1.scalar) },
                                     fft: value.structure.frequency.reduce(0) { $0 + Double($1.scalar) },
                                     gradientNorm: Double(norm), learningRate: learningRate)
        history.append(record)
        return record
    }

    /// Measures the held-out pairs (nil without a validation folder).
    @discardableResult
    public func validate() throws -> SSPIRValidationReport? {
        guard let validation else { return nil }
        let report = try validation.evaluate(objective, iteration: iteration)
        validations.append(report)
        return report
    }

    // MARK: Checkpoints

    enum MetadataKey {
        static let history = "wildir.history"
        static let validations = "wildir.validations"
        static let fingerprint = "wildir.sspir.frozen_fingerprint"
    }

    private var components: [(prefix: String, component: any TrainingStateful)] { [("optimiser", optimiser)] }

    /// Writes the resumable checkpoint, the model folder (with a tiny run's frozen networks) and the curves, each file
    /// atomically.
    public func saveCheckpoint() throws {
        do {
            let metadata = [MetadataKey.history: try RunRecords.text(history), MetadataKey.validations: try RunRecords.text(validations),
                            MetadataKey.fingerprint: fingerprint]
            try TrainedTensorsCheckpoint.write(trainedParameters, components: components, iteration: iteration, metadata: metadata,
                                               to: checkpointURL)
            if pipeline.unet.configuration.isDiffusersRepresentable {
                try SSPIRCheckpointFolder.write(pipeline, to: modelURL)
                if options.model.tiny != nil { try SSPIRFrozenNetworksFolder.write(pipeline, to: modelURL) }
            }
            try SSPIRTrainingCurves.write(history, validations: validations, name: options.name, to: directory)
        } catch {
            throw SSPIRTrainingError.checkpoint("cannot write to \(directory.path): \(error)")
        }
    }

    private func loadCheckpoint() throws {
        let restored: (iteration: Int, metadata: [String: String])
        do {
            restored = try TrainedTensorsCheckpoint.restore(
                trainedParameters, components: components, from: checkpointURL, required: [MetadataKey.fingerprint: fingerprint],
                mismatch: "it was trained against other frozen networks (model.stable_diffusion, model.clip_vision, model.tiny, "
                    + "model.image_attention, model.structure_attention or train.manual_seed differ): resume it with its own options")
        } catch {
            throw SSPIRTrainingError.checkpoint("\(checkpointURL.path): \(error)")
        }
        iteration = restored.iteration
        history = RunRecords.value([SSPIRStepRecord].self, from: restored.metadata[MetadataKey.history]) ?? []
        validations = RunRecords.value([SSPIRValidationReport].self, from: restored.metadata[MetadataKey.validations]) ?? []
    }
}
