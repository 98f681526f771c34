import Foundation
import Models
import SDE
import Yams

/// A training run's options, read from YAML with the official IR-SDE option names where they exist
/// (`sde`, `datasets.train`, `network_G.setting`, `train.lr_G`, `niter`, `eta_min`, …). Unknown keys are errors.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Run name; outputs go to `experiments/<name>/` unless `path.root` says otherwise.
    public var name: String = "wildir"
    public var sde = SDEOptions()
    public var datasets = Datasets()
    public var networkG = Network()
    public var train = Schedule()
    public var path = Paths()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, sde, datasets, networkG = "network_G", train, path
    }

    /// `datasets:`.
    public struct Datasets: Codable, Equatable, Sendable {
        public var train = TrainingSet()
        public var val: ValidationSet?

        enum CodingKeys: String, CodingKey, CaseIterable { case train, val }
    }

    /// `datasets.train`: an HQ folder degraded on the fly (`dataroot_GT` alone), or an LQ/GT folder pair.
    public struct TrainingSet: Codable, Equatable, Sendable {
        public var datarootGT: String = "data/photos/train"
        public var datarootLQ: String?
        /// The pipeline applied on the fly when there is no LQ folder: `wild` (default), `mild` or `realesrgan`.
        public var degradation: String = "wild"
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

        enum CodingKeys: String, CodingKey, CaseIterable {
            case datarootGT = "dataroot_GT", datarootLQ = "dataroot_LQ", degradation, patchSize = "patch_size"
            case batchSize = "batch_size", useFlip = "use_flip", useRot = "use_rot", scales
            case cleanProbability = "clean_probability"
        }
    }

    /// `datasets.val`: held-out images, degraded once with a fixed seed when there is no LQ folder.
    public struct ValidationSet: Codable, Equatable, Sendable {
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

        enum CodingKeys: String, CodingKey, CaseIterable {
            case datarootGT = "dataroot_GT", datarootLQ = "dataroot_LQ", cropSize = "crop_size", count
            case sampleSteps = "sample_T", scale
        }
    }

    /// `network_G:`.
    public struct Network: Codable, Equatable, Sendable {
        public var whichModelG: String = "ConditionalUNet"
        public var setting = Setting()

        enum CodingKeys: String, CodingKey, CaseIterable { case whichModelG = "which_model_G", setting }

        /// `network_G.setting` (the `ConditionalUNet` constructor arguments).
        public struct Setting: Codable, Equatable, Sendable {
            public var inNc: Int = 3
            public var outNc: Int = 3
            public var nf: Int = 32
            public var chMult: [Int] = [1, 2, 2]
            public var contextDim: Int?
            public var useDegraContext: Bool = false
            public var useImageContext: Bool = false
            public var scale: Double = 1

            enum CodingKeys: String, CodingKey, CaseIterable {
                case inNc = "in_nc", outNc = "out_nc", nf, chMult = "ch_mult", contextDim = "context_dim"
                case useDegraContext = "use_degra_context", useImageContext = "use_image_context", scale
            }
        }

        /// The network configuration these options describe.
        public var configuration: ConditionalUNetConfiguration {
            var c = ConditionalUNetConfiguration()
            c.inChannels = setting.inNc
            c.outChannels = setting.outNc
            c.baseChannels = setting.nf
            c.channelMultipliers = setting.chMult
            c.contextDim = setting.contextDim
            c.useDegradationContext = setting.useDegraContext
            c.useImageContext = setting.useImageContext
            c.scale = setting.scale
            return c
        }
    }

    /// `train:`: optimiser, schedule, loss and bookkeeping.
    public struct Schedule: Codable, Equatable, Sendable {
        public var optimizer: String = "AdamW"
        public var lrG: Double = 2e-4
        public var beta1: Double = 0.9
        public var beta2: Double = 0.99
        public var weightDecayG: Double = 0
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
        public var valFreq: Int = 200
        public var checkpointFreq: Int = 200
        public var seed: UInt64 = 0

        enum CodingKeys: String, CodingKey, CaseIterable {
            case optimizer, lrG = "lr_G", beta1, beta2, weightDecayG = "weight_decay_G", niter, warmupIter = "warmup_iter"
            case etaMin = "eta_min", lossType = "loss_type", weight, objective, terminalProbability = "terminal_probability"
            case emaDecay = "ema_decay", gradientClip = "gradient_clip"
            case valFreq = "val_freq", checkpointFreq = "checkpoint_freq", seed = "manual_seed"
        }
    }

    /// `path:`.
    public struct Paths: Codable, Equatable, Sendable {
        /// Folder for checkpoints, samples and logs (default `experiments/<name>`).
        public var experiments: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case experiments }
    }

    public init() {}

    /// Parses YAML over the defaults (an option left out keeps its default); keys this struct does not know
    /// are reported, because a misspelt option must not be silently ignored.
    public init(yaml text: String, file: String = "<options>") throws {
        do {
            let given = try Yams.load(yaml: text) ?? [String: Any]()
            guard let user = given as? [String: Any] else { throw TrainingError.invalidOptions(file, "the options are not a mapping") }
            var defaults = try Self.plain(TrainingOptions())
            if user["datasets"].flatMap({ ($0 as? [String: Any])?["val"] }) != nil,
               var datasets = defaults["datasets"] as? [String: Any] {
                datasets["val"] = try Self.plain(ValidationSet(datarootGT: ""))
                defaults["datasets"] = datasets
            }
            let merged = Self.merge(user, over: defaults)
            self = try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.invalidOptions(file, "\(error)")
        }
        let unknown = try Self.unknownKeys(in: text)
        guard unknown.isEmpty else {
            throw TrainingError.invalidOptions(file, "unknown option(s): \(unknown.joined(separator: ", "))")
        }
        try validate(file: file)
    }

    /// Reads a YAML options file.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw TrainingError.invalidOptions(url.path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(yaml: text, file: url.path)
    }

    /// Range checks with messages that name the option.
    public func validate(file: String = "<options>") throws {
        func check(_ ok: Bool, _ why: String) throws { if !ok { throw TrainingError.invalidOptions(file, why) } }
        try check(train.niter >= 1, "train.niter must be at least 1")
        try check(datasets.train.batchSize >= 1, "datasets.train.batch_size must be at least 1")
        try check(datasets.train.patchSize >= 16, "datasets.train.patch_size must be at least 16")
        try check(datasets.train.patchSize % (1 << networkG.setting.chMult.count) == 0,
                  "datasets.train.patch_size must be a multiple of 2^len(ch_mult) = \(1 << networkG.setting.chMult.count)")
        try check(["wild", "mild", "realesrgan"].contains(datasets.train.degradation),
                  "datasets.train.degradation must be wild, mild or realesrgan")
        try check(!datasets.train.scales.isEmpty && datasets.train.scales.allSatisfy { $0 > 0 && $0 <= 1 },
                  "datasets.train.scales must be a non-empty list of factors in (0, 1]")
        try check(datasets.train.datarootLQ == nil || datasets.train.scales == [1],
                  "datasets.train.scales needs HQ-only data: shrinking an LQ folder would change its degradations")
        try check((0...1).contains(datasets.train.cleanProbability), "datasets.train.clean_probability must lie in [0, 1]")
        if let val = datasets.val {
            try check(val.scale > 0 && val.scale <= 1, "datasets.val.scale must lie in (0, 1]")
            try check(val.datarootLQ == nil || val.scale == 1, "datasets.val.scale needs HQ-only data (no dataroot_LQ)")
        }
        try check(sde.sampleSteps.map { $0 >= 1 && $0 <= sde.steps } ?? true, "sde.sample_T must lie in 1…T (\(sde.steps))")
        try check((0...1).contains(train.terminalProbability), "train.terminal_probability must lie in [0, 1]")
        try check(["AdamW", "Adam"].contains(train.optimizer), "train.optimizer must be AdamW or Adam")
        try check(train.lrG > 0, "train.lr_G must be positive")
        try check(train.emaDecay >= 0 && train.emaDecay < 1, "train.ema_decay must lie in [0, 1)")
        try check(train.valFreq >= 1 && train.checkpointFreq >= 1, "train.val_freq and train.checkpoint_freq must be positive")
        try check(networkG.whichModelG == "ConditionalUNet", "network_G.which_model_G must be ConditionalUNet")
        try check(networkG.setting.nf % 32 == 0 || !networkG.setting.useImageContext,
                  "network_G.setting.nf must be a multiple of 32 with image context (GroupNorm of 32 groups)")
    }

    /// A value encoded as JSON-compatible dictionaries.
    static func plain<T: Encodable>(_ value: T) throws -> [String: Any] {
        (try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any]) ?? [:]
    }

    /// `user` over `defaults`, recursively for nested mappings.
    static func merge(_ user: [String: Any], over defaults: [String: Any]) -> [String: Any] {
        var out = defaults
        for (key, value) in user {
            if let nested = value as? [String: Any], let base = defaults[key] as? [String: Any] {
                out[key] = merge(nested, over: base)
            } else {
                out[key] = value
            }
        }
        return out
    }

    /// Dotted paths of mapping keys in `text` that the options do not define.
    static func unknownKeys(in text: String) throws -> [String] {
        guard let root = try Yams.load(yaml: text) as? [String: Any] else { return [] }
        // The option names are the structs' coding keys, so that an option cannot be known to one and not the other.
        func names<Key: CodingKey & CaseIterable>(_: Key.Type) -> Set<String> { Set(Key.allCases.map(\.stringValue)) }
        let known: [String: Set<String>] = [
            "": names(CodingKeys.self),
            "sde": Set(SDEOptions.optionNames),
            "datasets": names(Datasets.CodingKeys.self),
            "datasets.train": names(TrainingSet.CodingKeys.self),
            "datasets.val": names(ValidationSet.CodingKeys.self),
            "network_G": names(Network.CodingKeys.self),
            "network_G.setting": names(Network.Setting.CodingKeys.self),
            "train": names(Schedule.CodingKeys.self),
            "path": names(Paths.CodingKeys.self),
        ]
        var unknown: [String] = []
        func walk(_ map: [String: Any], _ prefix: String) {
            for (key, value) in map {
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                guard known[prefix]?.contains(key) == true else { unknown.append(path); continue }
                if let child = value as? [String: Any], known[path] != nil { walk(child, path) }
            }
        }
        walk(root, "")
        return unknown.sorted()
    }
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
