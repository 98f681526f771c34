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
            zero-shot degradation accuracy of each word against chance.

            Examples:
              wildir train-daclip --config configs/daclip-tiny.yml
              wildir train-daclip --config configs/daclip-tiny.yml --resume
            """
    )

    @Option(help: "YAML options file.")
    var config: String

    @Flag(help: "Continue from the experiment's latest checkpoint.")
    var resume = false

    @Flag(help: "Check everything the run would read (options, model configuration, tokenizer, weights file, photos, captions, degradation settings, validation samples) and stop before training.")
    var check = false

    func run() throws {
        let options: DACLIPTrainingOptions
        let trainer: DACLIPTrainer
        do {
            options = try DACLIPTrainingOptions(contentsOf: URL(fileURLWithPath: config))
            let plan = try DACLIPTrainingPlan(options: options, resume: resume, optionsFile: config)
            if check {
                let c = plan.configuration
                print("\(config): ok — \(plan.sampler.photos.count) training photo(s), \(plan.pipeline.name.rawValue) degradation"
                      + (options.data.mild.enabled ? " + mild augmentation" : "") + ", "
                      + "\(plan.validationSamples?.count ?? 0) validation sample(s), image \(c.vision.imageSize) px, "
                      + "\(plan.resumes ? "resumes" : "starts") \(plan.directory.path)")
                return
            }
            trainer = try DACLIPTrainer(plan: plan)
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
}
