import ArgumentParser
import Foundation
import WildIR

/// `wildir train-daclip`: trains a robust DA-CLIP (DACLIP-IR §3.3 and §4) from a YAML options file.
struct TrainDACLIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-daclip",
        abstract: "Train a robust (wild) DA-CLIP controller from a YAML options file.",
        discussion: """
            Each sample is a random crop of an HQ photo (data.dataroot), its LQ from the wild degradation pipeline \
            (optionally with the robust DA-CLIP's mild augmentation), and its degradation text ("an image with blur, \
            noise"). The controller and logit_scale train by DA-CLIP's contrastive loss (degradation texts; captions \
            too with data.captions) plus the l1 between the LQ content embedding and frozen CLIP's HQ embedding; CLIP \
            stays frozen. configs/daclip-tiny.yml is a small recipe that trains from scratch on a CPU.

            Outputs (experiments/<name>/): checkpoints/latest.safetensors (resumable), model.safetensors (the DA-CLIP), \
            losses.png, accuracy.png, log.jsonl. The validation (validation.dataroot, held-out photos) reports the \
            zero-shot degradation accuracy of each word against chance; --validate-only prints it for the run's \
            checkpoint, on the published pipeline with --published.

            Examples:
              wildir train-daclip --config configs/daclip-tiny.yml
              wildir train-daclip --config configs/daclip-tiny.yml --resume
              wildir train-daclip --config configs/daclip-tiny.yml --validate-only --published
            """
    )

    @Option(help: "YAML options file.")
    var config: String

    @Flag(help: "Continue from the experiment's latest checkpoint.")
    var resume = false

    @Flag(help: "Check everything the run would read (options, model configuration, tokenizer, weights file, photos, captions, degradation settings, validation samples) and stop before training.")
    var check = false

    @Flag(help: "Run the zero-shot validation of the run's checkpoint once and print it per degradation word; nothing trains.")
    var validateOnly = false

    @Flag(help: "Degrade the validation crops with the published pipeline (validation.degradation_config: {}) instead of the options' settings.")
    var published = false

    func validate() throws {
        if validateOnly && resume { throw ValidationError("--validate-only reads the run's checkpoint already; drop --resume") }
        if validateOnly && check { throw ValidationError("--validate-only and --check are separate: give one") }
    }

    func run() throws {
        let options: DACLIPTrainingOptions
        let trainer: DACLIPTrainer
        do {
            var read = try DACLIPTrainingOptions(contentsOf: URL(fileURLWithPath: config))
            if published { read.validation?.degradationConfig = .mapping([:]) }
            options = read
            guard !(validateOnly || published) || options.validation != nil else {
                throw ValidationError("\(config) has no validation block (validation.dataroot: held-out photos)")
            }
            let plan = try DACLIPTrainingPlan(options: options, resume: resume || validateOnly, optionsFile: config)
            if validateOnly && !plan.resumes {
                throw ValidationError("\(plan.directory.path) holds no checkpoint to validate; train first")
            }
            if check {
                let c = plan.configuration
                print("\(config): ok — \(plan.sampler.photos.count) training photo(s), \(plan.pipeline.name.rawValue) degradation"
                      + (options.data.mild.enabled ? " + mild augmentation" : "") + ", "
                      + "\(plan.validationSamples?.count ?? 0) validation sample(s), image \(c.vision.imageSize) px, "
                      + "\(plan.resumes ? "resumes" : "starts") \(plan.directory.path)")
                return
            }
            trainer = try DACLIPTrainer(plan: plan)
            if validateOnly {
                guard let report = try trainer.validate() else { return }
                print(Self.table(report, settings: published ? "the published \(options.data.degradation.rawValue) pipeline"
                                 : (options.validation?.degradationConfig == nil ? "the training settings" : "validation.degradation_config")))
                return
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        let trained = trainer.trainedParameters.reduce(0) { $0 + $1.tensor.count }
        printError("training \(options.name): \(trained) of \(trainer.model.parameterCount) parameters train, "
                   + "\(options.train.iterations) iterations from iteration \(trainer.iteration)"
                   + (options.data.captions == nil ? " (no captions: the caption term is left out)" : "")
                   + "; outputs in \(trainer.directory.path)")
        let bar = ProgressBar(total: options.train.iterations, unit: "it")
        var recent: [Double] = []
        do {
            try trainer.run { p in
                recent.append(p.record.loss)
                if recent.count > 50 { recent.removeFirst() }
                let mean = recent.reduce(0, +) / Double(recent.count)
                bar.update(p.record.iteration, note: String(format: "loss %.4g  s %.1f  lr %.2e", mean, p.record.logitScale,
                                                            p.record.learningRate))
                if let v = p.validation {
                    let words = v.words.map { String(format: "%@ %.2f (chance %.2f, balanced %.2f)", $0.word, $0.accuracy, $0.chance,
                                                     $0.balancedAccuracy) }
                    printError(String(format: "\nvalidation at %d: ", v.iteration) + words.joined(separator: "; ")
                               + String(format: "; exact set %.2f (chance %.2f); content l1 %.4f (plain CLIP %.4f)",
                                        v.exactAccuracy, v.exactChance, v.fidelity, v.fidelityWithoutController))
                }
            }
        } catch {
            printError("\nerror: \(error)")
            throw ExitCode(1)
        }
        printError("done: \(trainer.modelURL.path)")
    }

    /// A validation report as a table: each word's accuracy beside its chance, balanced accuracy and rates.
    static func table(_ report: ZeroShotReport, settings: String) -> String {
        var lines = ["zero-shot degradation accuracy at iteration \(report.iteration): \(report.count) held-out crops degraded by \(settings)",
                     "  word               present  accuracy  chance  balanced  TPR    TNR"]
        for word in report.words {
            let name = word.word + String(repeating: " ", count: max(0, 17 - word.word.count))
            lines.append("  \(name)  " + String(format: "%7d  %8.3f  %6.3f  %8.3f  %5.3f  %5.3f", word.present, word.accuracy, word.chance,
                                                 word.balancedAccuracy, word.truePositiveRate, word.trueNegativeRate))
        }
        lines.append(String(format: "  exact set %.3f (chance %.3f); mean balanced accuracy %.3f; content l1 %.4f (plain CLIP %.4f)",
                            report.exactAccuracy, report.exactChance, report.meanBalancedAccuracy, report.fidelity,
                            report.fidelityWithoutController))
        return lines.joined(separator: "\n")
    }
}
