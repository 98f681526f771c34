import CLIPTokenizer
import Captioning
import Configuration
import DACLIP
import Degradation
import Foundation

/// Everything a robust DA-CLIP run reads, checked before any model is built or any file written: the options'
/// ranges, the model configuration, the tokenizer (its ids must fit the text tower's vocabulary), the pretrained
/// weights' file, the photo folders (validation photos must not be the training folder) and captions, the
/// degradation settings (training and validation), the first training sample and the validation samples (drawn once here), and an experiment
/// folder that already holds a run (refused without `resume`). `wildir train-daclip --check` stops here.
public struct DACLIPTrainingPlan {
    public let options: DACLIPTrainingOptions
    /// The options file (named in errors).
    public let optionsFile: String
    public let directory: URL
    public let configuration: CLIPConfiguration
    public let tokenizer: CLIPTokenizer
    public let sampler: DACLIPSampler
    public let pipeline: DegradationPipeline
    /// The held-out samples, when the options name a validation folder.
    public let validationSamples: [DACLIPSample]?
    /// Whether the run continues from the folder's checkpoint.
    public let resumes: Bool

    /// Checks `options` (read from `optionsFile`).
    /// - Throws: ``DACLIPTrainingError`` or ``ConfigurationError`` naming the file, key path or folder.
    public init(options: DACLIPTrainingOptions, resume: Bool = false, optionsFile: String = "<options>") throws {
        do { try options.validate() } catch let violation as OptionViolation {
            throw DACLIPTrainingError.invalidOptions(optionsFile, violation.description)
        }
        self.options = options
        self.optionsFile = optionsFile
        directory = options.directory
        configuration = try options.model.configuration(file: optionsFile)
        do { tokenizer = try CLIPTokenizer(vocabularyURL: URL(fileURLWithPath: options.model.tokenizer)) } catch {
            throw DACLIPTrainingError.model("model.tokenizer: \(error)")
        }
        guard configuration.text.vocabSize >= tokenizer.vocabularySize else {
            throw DACLIPTrainingError.model("\(optionsFile): text_cfg.vocab_size \(configuration.text.vocabSize) is smaller than the "
                + "tokenizer's \(tokenizer.vocabularySize) ids: CLIP's tokenizer needs vocab_size ≥ \(tokenizer.vocabularySize)")
        }
        if let pretrained = options.model.pretrained, !FileManager.default.fileExists(atPath: pretrained) {
            throw DACLIPTrainingError.model("model.pretrained: no file \(pretrained)")
        }
        pipeline = try options.data.pipeline(file: optionsFile)
        let mild = try options.data.mildPipeline(file: optionsFile)
        let captions = try options.data.captions.map { path in
            do { return try CaptionTable(contentsOf: path) } catch let error as CaptioningError {
                throw DACLIPTrainingError.data(error.description)
            }
        }
        sampler = try DACLIPSampler(folder: options.data.dataroot, options: options.data, imageSize: configuration.vision.imageSize,
                                    seed: options.train.seed, pipeline: pipeline, mild: mild, captions: captions)
        var first = DegradationRandom(seed: options.train.seed, name: "daclip-train-0-0")
        _ = try sampler.sample(photo: nil, augment: true, random: &first)
        if let validation = options.validation {
            let (a, b) = (URL(fileURLWithPath: validation.dataroot).standardizedFileURL, URL(fileURLWithPath: options.data.dataroot).standardizedFileURL)
            guard a.resolvingSymlinksInPath() != b.resolvingSymlinksInPath() else {
                throw DACLIPTrainingError.invalidOptions(optionsFile, "validation.dataroot is the training folder data.dataroot: "
                                                         + "zero-shot accuracy must be measured on held-out photos")
            }
            let heldPipeline = try validation.degradationConfig.map {
                try options.data.pipeline(settings: $0, file: optionsFile, key: "validation.degradation_config")
            } ?? pipeline
            let held = try DACLIPSampler(folder: validation.dataroot, options: options.data, imageSize: configuration.vision.imageSize,
                                         seed: options.train.seed, pipeline: heldPipeline, mild: nil, captions: nil)
            validationSamples = try (0..<validation.count).map(held.validationSample)
        } else {
            validationSamples = nil
        }
        let existing = FileManager.default.fileExists(atPath: Self.checkpointURL(in: directory).path)
        if existing && !resume {
            throw DACLIPTrainingError.checkpoint("\(directory.path) already holds a run (checkpoints/latest.safetensors); pass --resume "
                                                 + "to continue it, or choose another name (or path.experiments) for a new run")
        }
        resumes = existing && resume
    }

    /// Where a run keeps its resumable checkpoint.
    static func checkpointURL(in directory: URL) -> URL { directory.appendingPathComponent("checkpoints/latest.safetensors") }
}
