import Checkpoints
import Configuration
import DACLIP
import Degradation
import Foundation
import ImageTensors
import Imaging
import Metrics
import Models
import Parallelism
import Restoration
import SDE
import WildTensor

/// What the training loop reports after each iteration.
public struct TrainingProgress: Sendable {
    public let iteration: Int
    public let totalIterations: Int
    public let loss: Double
    public let learningRate: Double
    /// The damage loss of the step, unweighted (its weighted value is part of `loss`), with `train.damage_loss_weight`.
    public var damageLoss: Double?
    /// Set on iterations that ran a validation.
    public let validation: ValidationResult?
}

/// Mean PSNR/SSIM of the validation restorations (and of the LQ inputs, for reference).
public struct ValidationResult: Sendable, Codable, Equatable {
    public let iteration: Int
    public let psnr: Double
    public let ssim: Double
    public let inputPSNR: Double
    public let inputSSIM: Double
}

/// Trains a `ConditionalUNet` with the IR-SDE maximum-likelihood objective (the official `optimize_parameters`):
/// per-sample time steps t ~ U{1…T} (or t = T with probability `train.terminal_probability`), x_t from eq. 2, the
/// pixel loss (`train.loss_type`, L1 by default) between the reverse-SDE mean implied by the predicted noise and the
/// optimal reverse state x*_{t−1} (eq. 4), or with `train.objective: restoration` between x̂_0 and x_0
/// (``TrainingObjective``); AdamW with a cosine schedule; an EMA of the weights.
///
/// A network conditioned on DA-CLIP (`network_G.setting.use_image_context` / `use_degra_context` with `path.daclip`)
/// receives, at every step, the embeddings of each LQ patch (``DACLIPConditioning``): the content embedding as
/// `image_context`, the degradation embedding as `text_context`, as ``Restorer`` feeds them at inference; validation
/// restores through ``Restorer`` with the same DA-CLIP, and the model file records which one (``DACLIPReference``).
///
/// Outputs go to the experiment folder: `checkpoints/latest.safetensors` (weights, optimiser, schedule, EMA and
/// progress, written atomically every `checkpoint_freq` iterations), `model.safetensors` (the EMA weights as a
/// restorable WildIR model), `loss.png`, `validation/iter_N.png` and `log.jsonl` (``TrainingLog``). A run started
/// with `resume` continues from `latest.safetensors` bit for bit: every random draw depends only on (seed, iteration).
public final class Trainer {
    public let options: TrainingOptions
    public let directory: URL
    public let network: ConditionalUNet
    public let sde: MeanRevertingSDE
    public private(set) var iteration = 0
    public private(set) var losses: [Double] = []
    public private(set) var validations: [ValidationResult] = []
    /// The unweighted damage loss of the last step, when the run has one (`train.damage_loss_weight`).
    public private(set) var lastDamageLoss: Double?

    private let optimiser: Adam
    private let scheduler: LearningRateScheduler
    private let ema: ExponentialMovingAverage
    private let prefetcher: BatchPrefetcher<TrainingBatch>
    /// The DA-CLIP conditioning the network, when it takes a DA-CLIP context.
    public let conditioning: DACLIPConditioning?
    private let parameters: [(name: String, tensor: Tensor)]
    /// The validation pairs, decoded and degraded once, on the first validation.
    private var validationPairs: [ValidationSet.Pair]?
    private var log: TrainingLog?
    /// The claim on ``directory``: taken before the checkpoint is read or the log rewritten, given up when a
    /// ``run(stopAfter:progress:)`` ends (a later `run` claims it again).
    private var lock: FolderLock?

    /// Builds the run from a checked plan (``TrainingPlan``); with `resume`, loads `checkpoints/latest.safetensors`
    /// if it exists. `optionsFile` names the options in errors.
    public convenience init(options: TrainingOptions, resume: Bool = false, optionsFile: String = "<options>") throws {
        try self.init(plan: try TrainingPlan(options: options, resume: resume, optionsFile: optionsFile))
    }

    /// Builds the run `plan` describes (the network, optimiser, schedule, EMA, prefetching, log).
    public init(plan: TrainingPlan) throws {
        options = plan.options
        directory = plan.directory
        network = ConditionalUNet(options.networkG.configuration, seed: options.train.seed)
        if let weights = plan.initialWeights {
            do { try network.loadStateDict(weights, strict: true) } catch {
                throw TrainingError.checkpoint("path.pretrain_model_G \(options.path.pretrainModelG ?? ""): the weights do not fit network_G: \(error)")
            }
        }
        sde = try options.sde.makeSDE()
        parameters = network.namedParameters()
        let t = options.train
        switch t.optimizer {
        case .adam:
            optimiser = Adam(parameters, learningRate: t.lrG, betas: (t.beta1, t.beta2), weightDecay: t.weightDecayG)
        case .adamW:
            optimiser = AdamW(parameters, learningRate: t.lrG, betas: (t.beta1, t.beta2), weightDecay: t.weightDecayG)
        }
        let schedule: any LearningRateSchedule
        switch t.lrScheme {
        case .trueCosineAnnealing: schedule = CosineAnnealing(tMax: t.niter, etaMin: t.etaMin, warmUpSteps: max(t.warmupIter, 0))
        case .multiStep: schedule = MultiStepDecay(milestones: t.lrSteps, gamma: t.lrGamma)
        }
        scheduler = LearningRateScheduler(optimiser: optimiser, schedule: schedule)
        ema = ExponentialMovingAverage(parameters, decay: t.emaDecay)
        conditioning = plan.conditioning
        let sampler = plan.sampler, preprocessing = plan.conditioning?.conditioner.preprocessing
        let damageTargets = t.damageLossWeight > 0
        prefetcher = BatchPrefetcher(limit: t.niter) {
            try TrainingBatch(sampler, iteration: $0, preprocessing: preprocessing, damageTargets: damageTargets)
        }
        validationPairs = plan.validationPairs
        try FileManager.default.createDirectory(at: checkpointURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Claimed before anything in the folder is read or rewritten: a second run into a folder that a live run
        // holds must not rewrite that run's log (resuming keeps the log only up to the checkpoint).
        lock = try Self.claim(directory)
        if plan.resumes { try loadCheckpoint() }
        log = try TrainingLog(url: directory.appendingPathComponent("log.jsonl"), keepingThrough: iteration)
    }

    var checkpointURL: URL { TrainingPlan.checkpointURL(in: directory) }

    /// Claims the experiment folder.
    /// - Throws: ``TrainingError/checkpoint(_:)`` naming the live process that holds it.
    private static func claim(_ directory: URL) throws -> FolderLock {
        do { return try FolderLock(folder: directory.path) } catch { throw TrainingError.checkpoint("\(error)") }
    }
    /// The EMA weights as a WildIR model file (`wildir restore --model` takes it).
    public var modelURL: URL { directory.appendingPathComponent("model.safetensors") }

    /// Runs until `train.niter` iterations are done (or `stopAfter` more, for tests), then writes a checkpoint.
    /// The experiment folder is locked from the trainer's creation to the end of the run (``FolderLock``): a second
    /// trainer or run into it is refused, before it touches anything there.
    public func run(stopAfter: Int? = nil, progress: ((TrainingProgress) -> Void)? = nil) throws {
        let held = try lock ?? Self.claim(directory)
        lock = nil
        defer { held.release() }
        let end = min(options.train.niter, stopAfter.map { iteration + $0 } ?? .max)
        while iteration < end {
            let loss = try step()
            var validation: ValidationResult?
            if iteration % options.train.valFreq == 0 || iteration == options.train.niter, options.datasets.val != nil {
                validation = try runValidation()
            }
            let report = TrainingProgress(iteration: iteration, totalIterations: options.train.niter, loss: loss,
                                          learningRate: optimiser.learningRate, damageLoss: lastDamageLoss, validation: validation)
            log?.append(report)
            if iteration % options.train.checkpointFreq == 0 || iteration == end { try saveCheckpoint() }
            progress?(report)
        }
    }

    /// One optimisation step on batch `iteration`; returns the loss.
    @discardableResult
    public func step() throws -> Double {
        let batch = try prefetcher.batch(iteration)
        let (lq, gt) = (batch.lq, batch.gt)
        // The DA-CLIP embeddings of every LQ patch (frozen: no gradients), fed as the restorer feeds them.
        let context = try conditioning.flatMap { daclip in try batch.daclipPixels.map { try daclip.conditioner.conditioning(forPixels: $0) } }
        var random = TensorRandom(seed: options.train.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(iteration))
        let timesteps = Self.timesteps(count: lq.shape[0], steps: sde.steps,
                                       terminalProbability: options.train.terminalProbability, random: &random)
        let xt = sde.noisyState(x0: gt, mu: lq, timesteps: timesteps, noise: random.normal(gt.shape))
        let time = Tensor(shape: [timesteps.count], values: timesteps.map(Float.init))
        // With a damage loss, the encoder's pooled moments are computed once and feed both its embedding (as the
        // network would compute it from `lq`) and its damage head.
        let moments = batch.damage.flatMap { _ in network.degradationEncoder?.moments(lq) }
        let embedding = moments.flatMap { network.degradationEncoder?.embedding(fromMoments: $0) }
        let output = network(xt, cond: lq, time: time, textContext: context?.degradation, imageContext: context?.content,
                             degradationEmbedding: embedding)
        let predicted = sde.noise(fromNetworkOutput: output, xt: xt, mu: lq, timesteps: timesteps)
        var loss = sde.loss(options.train.objective, predictedNoise: predicted, xt: xt, x0: gt, mu: lq, timesteps: timesteps,
                            pixel: options.train.lossType, weight: Float(options.train.weight))
        lastDamageLoss = nil
        if let targets = batch.damage, let moments, let encoder = network.degradationEncoder {
            let damage = encoder.damage(fromMoments: moments).mseLoss(targets)
            lastDamageLoss = Double(damage.scalar)
            loss = loss + damage * Float(options.train.damageLossWeight)
        }
        optimiser.zeroGrad()
        loss.backward()
        if let clip = options.train.gradientClip { _ = clipGradientNorm(parameters, maxNorm: clip) }
        optimiser.step()
        scheduler.step()
        // EMA with the usual warm-up (decay ≤ (1 + n)/(10 + n)) so that short runs do not average in the random
        // initial weights; for long runs this is BasicSR's constant decay.
        ema.update(decay: min(options.train.emaDecay, Double(1 + iteration) / Double(10 + iteration)))
        iteration += 1
        let value = Double(loss.scalar)
        losses.append(value)
        return value
    }

    /// Time steps for one batch: t = T with probability `terminalProbability`, otherwise t ~ U{1…T}.
    public static func timesteps(count: Int, steps: Int, terminalProbability: Double, random: inout TensorRandom) -> [Int] {
        (0..<count).map { _ in
            // The extra draw happens only when asked for, so runs without it keep their random streams.
            if terminalProbability > 0, Double(random.unit()) < terminalProbability { return steps }
            return 1 + Int(random.next() % UInt64(steps))
        }
    }

    // MARK: Checkpoints

    private var components: [(prefix: String, component: any TrainingStateful)] {
        [("optimiser", optimiser), ("scheduler", scheduler), ("ema", ema)]
    }

    /// Writes the resumable checkpoint, the EMA model, the loss curve and the log, each atomically.
    public func saveCheckpoint() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var progress = try RestorationModel.descriptionMetadata(network: network.configuration, sde: options.sde)
        progress.merge(conditioning?.reference.metadata ?? [:]) { _, new in new }
        progress[ProgressKey.iteration] = String(iteration)
        progress[ProgressKey.losses] = String(decoding: try encoder.encode(losses), as: UTF8.self)
        progress[ProgressKey.validations] = String(decoding: try encoder.encode(validations), as: UTF8.self)
        try TrainingState.write(components, tensors: network.stateDict(), metadata: progress, to: checkpointURL)
        try averagedModel().write(to: modelURL, extraMetadata: [RestorationModel.MetadataKey.iterations: String(iteration)])
        try writeLossCurve()
    }

    /// Metadata keys of the resumable checkpoint's progress (beside the model description).
    enum ProgressKey {
        static let iteration = "wildir.iteration"
        static let losses = "wildir.losses"
        static let validations = "wildir.validations"
    }

    /// The EMA weights as a restoration model (what `model.safetensors` holds and validation restores with).
    public func averagedModel() throws -> RestorationModel {
        let averaged = ConditionalUNet(network.configuration)
        try ema.copy(into: averaged.namedParameters())
        averaged.eval()
        return RestorationModel(network: averaged, sdeOptions: options.sde, metadata: conditioning?.reference.metadata ?? [:])
    }

    private func loadCheckpoint() throws {
        let file: SafeTensorsFile
        do { file = try TrainingState.restore(components, from: checkpointURL) } catch {
            throw TrainingError.checkpoint("\(checkpointURL.path): \(error)")
        }
        let recorded = try DACLIPReference(metadata: file.metadata, source: checkpointURL.path)
        guard recorded?.sha256 == conditioning?.reference.sha256 else {
            throw TrainingError.checkpoint("\(checkpointURL.path) was trained "
                + (recorded.map { "with the DA-CLIP \($0.file) (sha256 \($0.sha256.prefix(16))…)" } ?? "without DA-CLIP")
                + " but path.daclip now " + (conditioning.map { "gives \($0.reference.path) (sha256 \($0.reference.sha256.prefix(16))…)" } ?? "gives none")
                + ": resume with the DA-CLIP the run started with")
        }
        let weights = file.tensors.filter { !$0.key.contains("/") }
        try network.loadStateDict(weights, strict: true)
        guard let done = file.metadata[ProgressKey.iteration].flatMap(Int.init) else {
            throw TrainingError.checkpoint("\(checkpointURL.path) has no iteration count")
        }
        iteration = done
        let decoder = JSONDecoder()
        losses = (try? decoder.decode([Double].self, from: Data((file.metadata[ProgressKey.losses] ?? "[]").utf8))) ?? []
        validations = (try? decoder.decode([ValidationResult].self, from: Data((file.metadata[ProgressKey.validations] ?? "[]").utf8))) ?? []
    }

    private func writeLossCurve() throws {
        guard !losses.isEmpty, let renderer = try? TextRenderer() else { return }
        let window = max(1, losses.count / 50)
        var smoothed: [(x: Double, y: Double)] = []
        var running = 0.0
        for (i, loss) in losses.enumerated() {
            running += loss
            if i >= window { running -= losses[i - window] }
            if i + 1 >= window { smoothed.append((Double(i + 1), running / Double(window))) }
        }
        let raw = losses.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
        let plot = try LinePlot.render([
            .init(label: "loss", points: raw, colour: [0.75, 0.8, 0.95]),
            .init(label: "moving average (\(window))", points: smoothed, colour: [0.1, 0.25, 0.7]),
        ], title: "\(options.name): IR-SDE \(options.train.objective.rawValue) loss (\(options.train.lossType.rawValue))",
           xLabel: "iteration", logarithmicY: options.train.lossType != .psnr,  // the PSNR loss is negative
           renderer: renderer)
        try plot.write(to: directory.appendingPathComponent("loss.png").path)
    }

    // MARK: Validation

    /// Restores the validation crops with the EMA weights through ``Restorer`` (the inference path of
    /// `wildir restore`, posterior sampling with `datasets.val.sample_T`, else `sde.sample_T`, else T steps) and
    /// scores them; writes `validation/iter_N.png`.
    @discardableResult
    public func runValidation() throws -> ValidationResult? {
        guard let set = options.datasets.val else { return nil }
        let pairs = try validationPairs ?? ValidationSet.load(set, seed: options.train.seed)
        validationPairs = pairs
        let model = try averagedModel()
        var psnr = 0.0, ssim = 0.0, inputPSNR = 0.0, inputSSIM = 0.0
        var tiles: [ContactSheet.Tile] = []
        for (index, pair) in pairs.enumerated() {
            var restoration = RestorationOptions()
            restoration.sampler = .posterior
            restoration.steps = set.sampleSteps
            restoration.seed = 1000 + UInt64(index)
            restoration.tileSize = max(pair.lq.width, pair.lq.height, 32)
            restoration.overlap = 0
            let restored = try Restorer(model: model, options: restoration, conditioner: conditioning?.conditioner).restore(pair.lq)
            let p = try PSNR().evaluate(restored: restored, reference: pair.gt), s = try SSIM().evaluate(restored: restored, reference: pair.gt)
            let ip = try PSNR().evaluate(restored: pair.lq, reference: pair.gt), iS = try SSIM().evaluate(restored: pair.lq, reference: pair.gt)
            psnr += p; ssim += s; inputPSNR += ip; inputSSIM += iS
            tiles += [.init(image: pair.lq, caption: String(format: "LQ %.2f dB", ip)),
                      .init(image: restored, caption: String(format: "restored %.2f dB", p)),
                      .init(image: pair.gt, caption: "GT \(pair.name)")]
        }
        let n = Double(max(pairs.count, 1))
        let result = ValidationResult(iteration: iteration, psnr: psnr / n, ssim: ssim / n, inputPSNR: inputPSNR / n, inputSSIM: inputSSIM / n)
        validations.append(result)
        if let renderer = try? TextRenderer() {
            let folder = directory.appendingPathComponent("validation")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let sheet = try ContactSheet.render(tiles, columns: 3, tileSize: set.cropSize, captionLines: 1, renderer: renderer)
            try sheet.write(to: folder.appendingPathComponent("iter_\(iteration).png").path)
        }
        return result
    }
}

/// The held-out validation pairs: centre crops of the first `count` images (shrunk by `scale`), degraded once by the wild pipeline
/// with a fixed per-image seed (or cut from the LQ folder).
enum ValidationSet {
    struct Pair { let name: String; let lq: Image; let gt: Image }

    static func load(_ set: TrainingOptions.ValidationSet, seed: UInt64) throws -> [Pair] {
        let paths: [String]
        do { paths = Array(try ImageFolder.list(set.datarootGT).images.prefix(set.count)) } catch {
            throw TrainingError.data("validation dataroot_GT \(set.datarootGT): \(error)")
        }
        return try paths.map { path in
            let name = PatchSampler.stem(path)
            let full = try Image(contentsOf: path).opaqueRGB.shrunk(by: set.scale)
            let size = min(set.cropSize, full.width, full.height)
            let (x, y) = ((full.width - size) / 2, (full.height - size) / 2)
            let gt = try full.cropped(x: x, y: y, width: size, height: size)
            let lq: Image
            if let lqRoot = set.datarootLQ {
                let lqPath = (lqRoot as NSString).appendingPathComponent((path as NSString).lastPathComponent)
                lq = try Image(contentsOf: lqPath).opaqueRGB.cropped(x: x, y: y, width: size, height: size)
            } else {
                var random = DegradationRandom(seed: seed, name: "validation-\(name)")
                lq = try WildPipeline().apply(gt, random: &random).0
            }
            return Pair(name: name, lq: lq, gt: gt)
        }
    }
}
