import CLIPTokenizer
import Captioning
import Configuration
import Degradation
import Foundation

/// Everything an SSP-IR run reads, checked before any network is built or any file written: the options' ranges,
/// the tokenizer, the model files, the photo folders (validation photos must not be the training folder) and
/// captions, the degradation settings, the first training pair and the validation pairs (drawn once here), and an
/// experiment folder that already holds a run (refused without `resume`). `wildir train-sspir --check` stops here.
public struct SSPIRTrainingPlan {
    public let options: SSPIRTrainingOptions
    /// The options file (named in errors).
    public let optionsFile: String
    public let directory: URL
    public let tokenizer: CLIPTokenizer
    public let sampler: SSPIRSampler
    public let pipeline: DegradationPipeline
    /// The held-out pairs, when the options name a validation folder.
    public let validationSamples: [SSPIRSample]?
    /// Whether the run continues from the folder's checkpoint.
    public let resumes: Bool

    /// Checks `options` (read from `optionsFile`).
    /// - Throws: ``SSPIRTrainingError`` or ``ConfigurationError`` naming the file, key path or folder.
    public init(options: SSPIRTrainingOptions, resume: Bool = false, optionsFile: String = "<options>") throws {
        do { try options.validate() } catch let violation as OptionViolation {
            throw SSPIRTrainingError.invalidOptions(optionsFile, violation.description)
        }
        self.options = options
        self.optionsFile = optionsFile
        directory = options.directory
        do { tokenizer = try CLIPTokenizer(vocabularyURL: URL(fileURLWithPath: options.model.tokenizer)) } catch {
            throw SSPIRTrainingError.model("model.tokenizer: \(error)")
        }
        for (key, path) in [("model.stable_diffusion", options.model.stableDiffusion), ("model.clip_vision", options.model.clipVision)] {
            if let path, !FileManager.default.fileExists(atPath: path) { throw SSPIRTrainingError.model("\(key): no file or folder \(path)") }
        }
        pipeline = try options.data.pipeline(settings: options.data.degradationConfig, file: optionsFile)
        let captions = try options.data.captions.map { path in
            do { return try CaptionTable(contentsOf: path) } catch let error as CaptioningError {
                throw SSPIRTrainingError.data(error.description)
            }
        }
        sampler = try SSPIRSampler(folder: options.data.dataroot, options: options.data, seed: options.train.seed, pipeline: pipeline,
                                   captions: captions)
        var first = DegradationRandom(seed: options.train.seed, name: "sspir-train-0-0")
        _ = try sampler.sample(photo: nil, dropCaptions: true, random: &first)
        if let validation = options.validation {
            let (a, b) = (URL(fileURLWithPath: validation.dataroot).standardizedFileURL, URL(fileURLWithPath: options.data.dataroot).standardizedFileURL)
            guard a.resolvingSymlinksInPath() != b.resolvingSymlinksInPath() else {
                throw SSPIRTrainingError.invalidOptions(optionsFile, "validation.dataroot is the training folder data.dataroot: "
                                                        + "validation must use held-out photos")
            }
            let heldSampler = try SSPIRSampler(folder: validation.dataroot, options: options.data, seed: options.train.seed, pipeline: pipeline,
                                               captions: nil)
            validationSamples = try (0..<validation.count).map(heldSampler.validationSample)
        } else {
            validationSamples = nil
        }
        let existing = FileManager.default.fileExists(atPath: Self.checkpointURL(in: directory).path)
        if existing && !resume {
            throw SSPIRTrainingError.checkpoint("\(directory.path) already holds a run (checkpoints/latest.safetensors); pass --resume "
                                                + "to continue it, or choose another name (or path.experiments) for a new run")
        }
        resumes = existing && resume
    }

    /// Where a run keeps its resumable checkpoint.
    static func checkpointURL(in directory: URL) -> URL { directory.appendingPathComponent("checkpoints/latest.safetensors") }
}
