import Checkpoints
import Configuration
import Degradation
import Foundation

/// Everything a training run reads, checked before any network is built or any file written: the options' ranges,
/// the data folders, the degradation settings, the DA-CLIP of a conditioned network (loaded strictly, its embedding
/// width checked against `context_dim`), the validation crops (decoded and degraded once here), and an experiment
/// folder that already holds a run (refused without `resume`, so a finished run is never overwritten).
/// `wildir train --check` stops here.
public struct TrainingPlan {
    public let options: TrainingOptions
    /// The experiment folder.
    public let directory: URL
    public let sampler: PatchSampler
    /// The degradation applied on the fly (also when pairs come from an LQ folder, where it is unused).
    public let pipeline: DegradationPipeline
    /// Whether the run continues from the folder's checkpoint.
    public let resumes: Bool
    /// The weights of `path.pretrain_model_G` when a new run starts from them.
    public let initialWeights: [String: StoredTensor]?
    /// The DA-CLIP that conditions the network (`path.daclip`), loaded and checked; nil for a network without
    /// DA-CLIP context.
    public let conditioning: DACLIPConditioning?
    /// Validation pairs, when the options name a validation set.
    let validationPairs: [ValidationSet.Pair]?

    /// Checks `options` (read from `optionsFile`, which errors name).
    /// - Throws: ``TrainingError`` naming the file, key path or folder.
    public init(options: TrainingOptions, resume: Bool = false, optionsFile: String = "<options>") throws {
        do { try options.validate() } catch let violation as OptionViolation {
            throw TrainingError.invalidOptions(optionsFile, violation.description)
        }
        self.options = options
        directory = URL(fileURLWithPath: options.path.experiments ?? "experiments/\(options.name)")
        pipeline = try options.datasets.train.pipeline(file: optionsFile)
        sampler = try PatchSampler(options: options.datasets.train, seed: options.train.seed, pipeline: pipeline)
        conditioning = try DACLIPConditioning(options: options, optionsFile: optionsFile)
        let existing = FileManager.default.fileExists(atPath: Self.checkpointURL(in: directory).path)
        if existing && !resume {
            throw TrainingError.checkpoint("\(directory.path) already holds a run (checkpoints/latest.safetensors); pass --resume "
                                           + "to continue it, or choose another name (or path.experiments) for a new run")
        }
        resumes = existing && resume
        if let pretrained = options.path.pretrainModelG, !resumes {
            do {
                initialWeights = Dictionary(try CheckpointFile.contents(of: URL(fileURLWithPath: pretrained)).tensors.map { ($0.name, $0.tensor) },
                                            uniquingKeysWith: { first, _ in first })
            } catch {
                throw TrainingError.invalidOptions(optionsFile, "path.pretrain_model_G \(pretrained): \(error)")
            }
        } else {
            initialWeights = nil
        }
        validationPairs = try options.datasets.val.map { try ValidationSet.load($0, seed: options.train.seed) }
    }

    /// Number of validation pairs (0 without a validation set).
    public var validationCount: Int { validationPairs?.count ?? 0 }

    /// Where a run keeps its resumable checkpoint.
    static func checkpointURL(in directory: URL) -> URL { directory.appendingPathComponent("checkpoints/latest.safetensors") }
}
