import Configuration
import Degradation
import Foundation
import Restoration
import SDE

/// A training run's options, read from YAML with the official IR-SDE option names where they exist
/// (`sde`, `datasets.train`, `network_G.setting`, `train.lr_G`, `lr_scheme`, `niter`, `eta_min`, …) through the
/// one options loader (``ConfigurationLoader``): anything left out keeps its default, and unknown keys and
/// out-of-range values are errors naming the key path.
public struct TrainingOptions: OptionsFile, Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    /// Run name; outputs go to `experiments/<name>/` unless `path.experiments` says otherwise. A name, not a path.
    public var name: String = "wildir"
    public var sde = SDEOptions()
    public var datasets = Datasets()
    public var networkG = NetworkOptions()
    public var train = Schedule()
    public var path = Paths()

    enum CodingKeys: String, CodingKey {
        case name, sde, datasets, networkG = "network_G", train, path
    }

    /// `datasets:`.
    public struct Datasets: Codable, Equatable, Sendable {
        public var train = TrainingSet()
        public var val: ValidationSet?

        enum CodingKeys: String, CodingKey { case train, val }
    }

    /// `datasets.train`: an HQ folder degraded on the fly (`dataroot_GT` alone), or an LQ/GT folder pair.
    public struct TrainingSet: Codable, Equatable, Sendable, DefaultedOptions {
        public var datarootGT: String = "data/photos/train"
        public var datarootLQ: String?
        /// The pipeline applied on the fly when there is no LQ folder.
        public var degradation: DegradationPipelineName = .wild
        /// The pipeline's settings over its published defaults: the path of a YAML file (as `wildir degrade
        /// --config` takes) or an inline mapping of the same fields.
        public var degradationConfig: ConfigurationValue?
        public var patchSize: Int = 128
        public var batchSize: Int = 4
        public var useFlip: Bool = true
        public var useRot: Bool = true
        /// Multi-scale copies of every HQ photo, each shrunk by one of these factors (area filter, 8-bit), as
        /// Real-ESRGAN's multi-scale DF2K (1, 0.75, 0.5, 1/3): patches then hold whole objects and textures, not
        /// only the smooth close-ups of a large photo. Each (photo, scale) is drawn equally often. HQ-only data.
        public var scales: [Double] = [1]
        /// Probability that a training pair is left clean (LQ = GT), so that the network learns to leave undamaged
        /// photos and regions alone: a wild draw is rarely that mild, and a restorer that blurs or tints clean
        /// input loses most where its input was best.
        public var cleanProbability: Double = 0

        public init() {}

        public static var defaults: TrainingSet { TrainingSet() }

        enum CodingKeys: String, CodingKey {
            case datarootGT = "dataroot_GT", datarootLQ = "dataroot_LQ", degradation, degradationConfig = "degradation_config"
            case patchSize = "patch_size", batchSize = "batch_size", useFlip = "use_flip", useRot = "use_rot", scales
            case cleanProbability = "clean_probability"
        }

        /// The pipeline these options describe (`degradation` with `degradation_config`); `file` is the options
        /// file, named in errors about inline settings.
        public func pipeline(file: String) throws -> DegradationPipeline {
            switch degradationConfig {
            case nil:
                return try DegradationPipeline(degradation, source: file)
            case let .scalar(path)?:
                let settings = try ConfigurationValue.parse(yaml: try ConfigurationLoader.text(contentsOf: path), source: path)
                return try DegradationPipeline(degradation, settings: settings, source: path)
            case let settings?:
                return try DegradationPipeline(degradation, settings: settings, source: "\(file): datasets.train.degradation_config")
            }
        }
    }

    /// `datasets.val`: held-out images, degraded once with a fixed seed when there is no LQ folder.
    public struct ValidationSet: Codable, Equatable, Sendable, DefaultedOptions {
        public var datarootGT: String
        public var datarootLQ: String?
        /// Centre crop side used for validation (keeps validation affordable on a CPU).
        public var cropSize: Int = 128
        /// Images used (the first N by name).
        public var count: Int = 4
        /// Sampling steps used for validation restorations (default: `sde.sample_T`, else T).
        public var sampleSteps: Int?
        /// Factor by which each photo is shrunk (area filter, 8-bit) before its centre crop. HQ-only data.
        public var scale: Double = 1

        public init(datarootGT: String) { self.datarootGT = datarootGT }

        /// No default folder: `dataroot_GT` must be given.
        public static var defaults: ValidationSet { ValidationSet(datarootGT: "") }

        enum CodingKeys: String, CodingKey {
            case datarootGT = "dataroot_GT", datarootLQ = "dataroot_LQ", cropSize = "crop_size", count
            case sampleSteps = "sample_T", scale
        }
    }

    /// `train:`: optimiser, schedule, loss and bookkeeping.
    public struct Schedule: Codable, Equatable, Sendable {
        public var optimizer: OptimiserName = .adamW
        public var lrG: Double = 2e-4
        public var beta1: Double = 0.9
        public var beta2: Double = 0.99
        public var weightDecayG: Double = 0
        /// `TrueCosineAnnealingLR` (official wild-IR) or `MultiStepLR` (with `lr_steps`, `lr_gamma`).
        public var lrScheme: LearningRateScheme = .trueCosineAnnealing
        public var lrSteps: [Int] = []
        public var lrGamma: Double = 0.5
        public var niter: Int = 1000
        public var warmupIter: Int = -1
        public var etaMin: Double = 1e-6
        /// `l1` (official), `l2` or `psnr` (``PixelLoss``).
        public var lossType: PixelLoss = .l1
        public var weight: Double = 1
        /// `matching` (the official IR-SDE objective, eq. 4) or `restoration` (x̂_0 against x_0 at every step alike).
        public var objective: TrainingObjective = .matching
        /// Fraction of the samples trained at t = T, the state sampling starts from (μ plus noise), the rest drawn
        /// uniformly from 1…T. At t = T the network must restore from μ alone; at smaller t, x_t still carries
        /// e^{−θ̄_t}(x_0 − μ) of the answer, so uniform draws spend most of the training on easier states.
        public var terminalProbability: Double = 0
        public var emaDecay: Double = 0.999
        public var gradientClip: Double?
        /// Weight of the damage loss (WildIR's): the squared error between the degradation encoder's damage estimate
        /// and the pair's ``DamageEstimate`` targets, added to the pixel loss. 0 (the default) leaves it out; a
        /// positive weight needs `network_G.setting.degradation_encoder` and pairs degraded on the fly.
        public var damageLossWeight: Double = 0
        public var valFreq: Int = 200
        public var checkpointFreq: Int = 200
        public var seed: UInt64 = 0

        enum CodingKeys: String, CodingKey {
            case optimizer, lrG = "lr_G", beta1, beta2, weightDecayG = "weight_decay_G", lrScheme = "lr_scheme"
            case lrSteps = "lr_steps", lrGamma = "lr_gamma", niter, warmupIter = "warmup_iter"
            case etaMin = "eta_min", lossType = "loss_type", weight, objective, terminalProbability = "terminal_probability"
            case emaDecay = "ema_decay", gradientClip = "gradient_clip", damageLossWeight = "damage_loss_weight"
            case valFreq = "val_freq", checkpointFreq = "checkpoint_freq", seed = "manual_seed"
        }
    }

    /// `path:`.
    public struct Paths: Codable, Equatable, Sendable {
        /// Folder for checkpoints, samples and logs (default `experiments/<name>`).
        public var experiments: String?
        /// The DA-CLIP whose embeddings condition the network (the official option `path.daclip`): an official
        /// `.pt` or a WildIR DA-CLIP `.safetensors` (`wildir train-daclip`'s `model.safetensors`). Required when
        /// `network_G.setting` turns on `use_image_context` or `use_degra_context`; its file name and SHA-256 are
        /// recorded in the trained model, which `wildir restore` then finds or checks.
        public var daclip: String?
        /// The DA-CLIP's configuration when its weights do not imply it: a name (`daclip_ViT-B-32`), an OpenCLIP
        /// model-config JSON file or inline JSON (as `wildir restore --daclip-config`).
        public var daclipConfig: String?
        /// Weights the network starts from (the official option `path.pretrain_model_G`): a WildIR model file (a
        /// run's `model.safetensors`) or an official state dict of the same network, loaded strictly; the EMA starts
        /// from them too. Ignored when a run resumes (its checkpoint holds the weights). The optimiser and the
        /// schedule start afresh: a warm restart.
        public var pretrainModelG: String?

        enum CodingKeys: String, CodingKey {
            case experiments, daclip, daclipConfig = "daclip_config", pretrainModelG = "pretrain_model_G"
        }
    }

    public init() {}

    public static var defaults: TrainingOptions { TrainingOptions() }

    /// Range checks, each naming its key path. The degradation settings are checked by building the pipeline
    /// (``TrainingSet/pipeline(file:)``) when the run starts.
    public func validate() throws {
        typealias V = OptionViolation
        try ExperimentPaths.checkName(name)
        try V.within("sde") { try sde.validate() }
        try V.within("network_G") { try networkG.validate() }
        let network = networkG.configuration
        try ModelDescription.checkCompatible(network: network, sde: sde)
        if network.takesDACLIPContext {
            try V.check(path.daclip.map { !$0.isEmpty } ?? false, "path.daclip",
                        "is required: network_G.setting.use_image_context / use_degra_context condition the network on the "
                        + "embeddings of a DA-CLIP; give its weights (an official .pt or a `wildir train-daclip` model.safetensors)")
        } else {
            try V.check(path.daclip == nil, "path.daclip",
                        "is set but the network takes no DA-CLIP context: set network_G.setting.context_dim and "
                        + "use_image_context and/or use_degra_context, or remove path.daclip")
        }
        try V.check(path.daclipConfig == nil || path.daclip != nil, "path.daclip_config", "describes path.daclip; give path.daclip too")
        let depth = networkG.setting.chMult.count
        try V.check(networkG.setting.inNc == 3 && networkG.setting.outNc == 3, "network_G.setting.in_nc",
                    "training takes RGB photos: in_nc and out_nc must be 3 (gray photos are trained as RGB)")
        let set = datasets.train
        try V.check((1...4096).contains(set.batchSize), "datasets.train.batch_size", "must lie in 1…4096, got \(set.batchSize)")
        try V.check((16...4096).contains(set.patchSize), "datasets.train.patch_size", "must lie in 16…4096, got \(set.patchSize)")
        try V.check(set.patchSize % (1 << depth) == 0, "datasets.train.patch_size",
                    "must be a multiple of 2^len(ch_mult) = \(1 << depth), got \(set.patchSize)")
        try V.check(set.batchSize * set.patchSize * set.patchSize <= 1 << 26, "datasets.train.batch_size",
                    "× patch_size² must stay within 2^26 pixels per batch, got \(set.batchSize * set.patchSize * set.patchSize)")
        try V.check(!set.scales.isEmpty && set.scales.count <= 16 && set.scales.allSatisfy { $0 > 0 && $0 <= 1 },
                    "datasets.train.scales", "must be a list of 1…16 factors in (0, 1], got \(set.scales)")
        try V.check(set.datarootLQ == nil || set.scales == [1], "datasets.train.scales",
                    "needs HQ-only data: shrinking an LQ folder would change its degradations")
        try V.check(set.datarootLQ == nil || set.degradationConfig == nil, "datasets.train.degradation_config",
                    "applies only without dataroot_LQ (pairs from a folder are not degraded again)")
        try V.check((0...1).contains(set.cleanProbability), "datasets.train.clean_probability", "must lie in [0, 1]")
        if let val = datasets.val {
            try V.check(!val.datarootGT.isEmpty, "datasets.val.dataroot_GT", "is required")
            try V.check(val.scale > 0 && val.scale <= 1, "datasets.val.scale", "must lie in (0, 1]")
            try V.check(val.datarootLQ == nil || val.scale == 1, "datasets.val.scale", "needs HQ-only data (no dataroot_LQ)")
            try V.check((16...4096).contains(val.cropSize), "datasets.val.crop_size", "must lie in 16…4096, got \(val.cropSize)")
            try V.check((1...1000).contains(val.count), "datasets.val.count", "must lie in 1…1000, got \(val.count)")
            if let steps = val.sampleSteps {
                try V.check((1...sde.steps).contains(steps), "datasets.val.sample_T", "must lie in 1…T (\(sde.steps)), got \(steps)")
            }
        }
        let t = train
        try V.check((1...100_000_000).contains(t.niter), "train.niter", "must lie in 1…10^8, got \(t.niter)")
        try V.check(t.warmupIter < t.niter, "train.warmup_iter", "must be below train.niter (\(t.niter)), got \(t.warmupIter)")
        try V.check(t.lrG > 0 && t.lrG < 1, "train.lr_G", "must lie in (0, 1), got \(t.lrG)")
        try V.check((0..<1).contains(t.beta1), "train.beta1", "must lie in [0, 1), got \(t.beta1)")
        try V.check((0..<1).contains(t.beta2), "train.beta2", "must lie in [0, 1), got \(t.beta2)")
        try V.check(t.weightDecayG >= 0 && t.weightDecayG < 1, "train.weight_decay_G", "must lie in [0, 1), got \(t.weightDecayG)")
        try V.check(t.etaMin >= 0 && t.etaMin <= t.lrG, "train.eta_min", "must lie in [0, lr_G], got \(t.etaMin)")
        try V.check(t.lrGamma > 0 && t.lrGamma <= 1, "train.lr_gamma", "must lie in (0, 1], got \(t.lrGamma)")
        try V.check(t.lrSteps.allSatisfy { $0 >= 1 } && t.lrSteps.count <= 1000, "train.lr_steps",
                    "must be at most 1000 positive iterations, got \(t.lrSteps)")
        try V.check(t.weight > 0 && t.weight.isFinite, "train.weight", "must be positive, got \(t.weight)")
        try V.check((0...1).contains(t.terminalProbability), "train.terminal_probability", "must lie in [0, 1]")
        try V.check(t.emaDecay >= 0 && t.emaDecay < 1, "train.ema_decay", "must lie in [0, 1)")
        if let clip = t.gradientClip { try V.check(clip > 0, "train.gradient_clip", "must be positive, got \(clip)") }
        try V.check(t.damageLossWeight >= 0 && t.damageLossWeight.isFinite, "train.damage_loss_weight",
                    "must be 0 or positive, got \(t.damageLossWeight)")
        try V.check(t.damageLossWeight == 0 || networkG.configuration.degradationEncoderWidths != nil, "train.damage_loss_weight",
                    "needs network_G.setting.degradation_encoder: the damage is estimated by the network's degradation encoder")
        try V.check(t.damageLossWeight == 0 || set.datarootLQ == nil, "train.damage_loss_weight",
                    "needs pairs degraded on the fly (no datasets.train.dataroot_LQ): an LQ folder's damage is unknown")
        try V.check(t.valFreq >= 1, "train.val_freq", "must be positive")
        try V.check(t.checkpointFreq >= 1, "train.checkpoint_freq", "must be positive")
    }
}

/// The optimisers by their official names (`train.optimizer`).
public enum OptimiserName: String, NamedOption, Codable, Sendable {
    case adam = "Adam"
    case adamW = "AdamW"
}

/// The learning-rate schemes by their official names (`train.lr_scheme`).
public enum LearningRateScheme: String, NamedOption, Codable, Sendable {
    /// Cosine annealing from `lr_G` to `eta_min` over `niter` (PyTorch `CosineAnnealingLR`), after an optional
    /// linear warm-up of `warmup_iter` iterations.
    case trueCosineAnnealing = "TrueCosineAnnealingLR"
    /// `lr_G` multiplied by `lr_gamma` at each of `lr_steps` (PyTorch `MultiStepLR`).
    case multiStep = "MultiStepLR"
}

/// Why training could not start or continue.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOptions(String, String)
    case data(String)
    case checkpoint(String)

    public var description: String {
        switch self {
        case let .invalidOptions(file, why): return "\(file): \(why)"
        case let .data(why): return "training data: \(why)"
        case let .checkpoint(why): return "checkpoint: \(why)"
        }
    }
}
