import ArgumentParser
import Foundation
import WildIR

/// `wildir train`: trains an IR-SDE restoration network from a YAML options file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an IR-SDE restoration network (ConditionalUNet) from a YAML options file.",
        discussion: """
            The options use the official IR-SDE field names (sde, datasets.train, network_G.setting, train.lr_G, \
            niter, eta_min, …); configs/default.yml is the recipe of the bundled model. HQ photos are degraded on \
            the fly by the wild pipeline unless datasets.train.dataroot_LQ names an aligned LQ folder.

            A network with DA-CLIP context (network_G.setting.use_image_context / use_degra_context with \
            context_dim) is conditioned on the DA-CLIP named by path.daclip (path.daclip_config describes weights \
            whose configuration cannot be read from them): every LQ patch is encoded as `wildir restore` encodes an \
            image, its content embedding feeds the cross-attention and its degradation embedding the prompt, and the \
            model records the DA-CLIP's file name and SHA-256, so that `wildir restore` finds it.

            Outputs (experiments/<name>/): checkpoints/latest.safetensors (resumable), model.safetensors (EMA \
            weights for `wildir restore --model`), loss.png, validation/iter_N.png, log.jsonl.

            Examples:
              wildir train --config configs/default.yml
              wildir train --config configs/default.yml --resume
            """
    )

    @Option(help: "YAML options file.")
    var config: String

    @Flag(help: "Continue from the experiment's latest checkpoint.")
    var resume = false

    @Flag(help: "Check everything the run would read (options, data folders, degradation settings, the DA-CLIP of a conditioned network, validation crops) and stop before training.")
    var check = false

    func run() throws {
        let options: TrainingOptions
        let trainer: Trainer
        do {
            options = try TrainingOptions(contentsOf: URL(fileURLWithPath: config))
            let plan = try TrainingPlan(options: options, resume: resume, optionsFile: config)
            if check {
                let daclip = plan.conditioning.map {
                    "DA-CLIP \($0.reference.file) (\($0.reference.embedDim)-d, sha256 \($0.reference.sha256.prefix(12))…), "
                } ?? ""
                print("\(config): ok — \(plan.sampler.imageCount) training photo(s), \(plan.pipeline.name.rawValue) degradation, "
                      + daclip + "\(plan.validationCount) validation pair(s), \(plan.resumes ? "resumes" : "starts") \(plan.directory.path)")
                return
            }
            trainer = try Trainer(plan: plan)
        } catch {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        let parameters = trainer.network.parameterCount
        printError("training \(options.name): \(parameters) parameters, \(options.train.niter) iterations, "
                   + "from iteration \(trainer.iteration); outputs in \(trainer.directory.path)")
        let bar = ProgressBar(total: options.train.niter, unit: "it")
        var recent: [Double] = []
        do {
            try trainer.run { p in
                recent.append(p.loss)
                if recent.count > 50 { recent.removeFirst() }
                let mean = recent.reduce(0, +) / Double(recent.count)
                bar.update(p.iteration, note: String(format: "loss %.4g  lr %.2e", mean, p.learningRate))
                if let v = p.validation {
                    printError(String(format: "\nvalidation at %d: PSNR %.2f dB (input %.2f), SSIM %.4f (input %.4f)",
                                      v.iteration, v.psnr, v.inputPSNR, v.ssim, v.inputSSIM))
                }
            }
        } catch {
            printError("\nerror: \(error)")
            throw ExitCode(1)
        }
        printError("done: \(trainer.modelURL.path)")
    }
}
