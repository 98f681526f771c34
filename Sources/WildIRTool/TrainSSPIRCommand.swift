import ArgumentParser
import Foundation
import WildIR

/// `wildir train-sspir`: trains SSP-IR (Zhang et al., §III-D) from a YAML options file.
struct TrainSSPIRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-sspir",
        abstract: "Train SSP-IR's priors (Prior-Guided Attention, ControlNet with its Processor, Refine Layer) from a YAML options file.",
        discussion: """
            Each pair is a random crop of an HQ photo (data.dataroot) and its LQ from the Real-ESRGAN pipeline at \
            data.scale, brought back to the crop's size by bicubic interpolation, with the photo's caption \
            (data.captions) dropped half of the time. The networks start from Stable Diffusion 1.5 and CLIP ViT-L/14 \
            (model.stable_diffusion, model.clip_vision), or are drawn small and at random (model.tiny: \
            configs/sspir-tiny.yml trains on a CPU). The loss is SSP-IR's eq. (7): the diffusion l2 plus 0.1 × the \
            multi-level RGB l1 and 0.01 × the FFT l1; AdamW at a constant 5e-5, gradients clipped at 1.0, as the \
            official train.py. model.image_attention, model.structure_attention and train.rgb_weight/fft_weight switch \
            the priors off for the paper's ablations.

            Outputs (experiments/<name>/): checkpoints/latest.safetensors (resumable), model/ (an SSP-IR checkpoint \
            folder for `wildir restore --method sspir --sspir`; a model.tiny run also writes its frozen networks there, \
            model/stable-diffusion/ for --sd and model/clip-vision/ for --clip-vision), losses.png, validation.png, \
            log.jsonl. The run ends by printing the restore command for its networks.

            Examples:
              wildir train-sspir --config configs/sspir-tiny.yml
              wildir train-sspir --config configs/sspir-tiny.yml --resume
            """
    )

    @Option(help: "YAML options file.")
    var config: String

    @Flag(help: "Continue from the experiment's latest checkpoint.")
    var resume = false

    @Flag(help: "Check everything the run would read (options, tokenizer, model files, photos, captions, degradation settings, validation pairs) and stop before building the networks.")
    var check = false

    func run() throws {
        let options: SSPIRTrainingOptions
        let trainer: SSPIRTrainer
        do {
            options = try SSPIRTrainingOptions(contentsOf: URL(fileURLWithPath: config))
            let plan = try SSPIRTrainingPlan(options: options, resume: resume, optionsFile: config)
            if check {
                print("\(config): ok — \(plan.sampler.photos.count) training photo(s), \(plan.pipeline.name.rawValue) degradation "
                      + "×\(plan.pipeline.scale), \(plan.validationSamples?.count ?? 0) validation pair(s), "
                      + (options.model.tiny == nil ? "Stable Diffusion and CLIP from files" : "tiny random networks") + ", "
                      + "\(plan.resumes ? "resumes" : "starts") \(plan.directory.path)")
                return
            }
            trainer = try SSPIRTrainer(plan: plan)
        } catch {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        let trained = trainer.trainedParameters.reduce(0) { $0 + $1.tensor.count }
        let bytes = trainer.pipeline.parameterBytes
        printError("training \(options.name): \(trained) parameters train (the networks hold \(bytes / 1_048_576) MiB of weights), "
                   + "\(options.train.iterations) iterations from iteration \(trainer.iteration); outputs in \(trainer.directory.path)")
        let bar = ProgressBar(total: options.train.iterations, unit: "it")
        var recent: [Double] = []
        do {
            try trainer.run { p in
                recent.append(p.record.loss)
                if recent.count > 50 { recent.removeFirst() }
                let mean = recent.reduce(0, +) / Double(recent.count)
                bar.update(p.record.iteration, note: String(format: "loss %.4g  grad %.3g", mean, p.record.gradientNorm))
                if let v = p.validation {
                    var line = String(format: "\nvalidation at %d: loss %.5f (diffusion %.5f, RGB %.4f, FFT %.4f)", v.iteration, v.loss,
                                      v.diffusion, v.rgb, v.fft)
                    if let psnr = v.psnr, let input = v.inputPSNR { line += String(format: "; PSNR-Y %.2f dB (input %.2f)", psnr, input) }
                    printError(line)
                }
            }
        } catch {
            printError("\nerror: \(error)")
            throw ExitCode(1)
        }
        printError("done: \(trainer.modelURL.path)")
        if let sources = trainer.restoreSources {
            printError("restore with the trained networks:\n  \(sources.restoreCommand())")
        }
    }
}
