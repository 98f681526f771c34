import ArgumentParser
import Captioning
import Foundation
import WildIR

/// What `wildir restore` runs.
enum RestorationMethod: String, ExpressibleByArgument, CaseIterable {
    /// The IR-SDE network of `--model` (DACLIP-IR, the bundled model).
    case irsde
    /// SSP-IR on Stable Diffusion 1.5.
    case sspir
}

/// The options of `wildir restore --method sspir`.
struct SSPIROptions: ParsableArguments {
    @Option(help: "SSP-IR: Stable Diffusion 1.5 (v1-5-pruned-emaonly.safetensors or .ckpt, or a diffusers folder such as a tiny training run's model/stable-diffusion), for its VAE and text encoder.")
    var sd: String?

    @Option(help: "SSP-IR: a checkpoint folder of SSP-IR's training (checkpoint-N/ with unet/, controlnet/ and refine/refine.pt).")
    var sspir: String?

    @Option(name: .customLong("clip-vision"), help: "SSP-IR: CLIP ViT-L/14 (the openai/clip-vit-large-patch14 folder or its model file; a tiny training run's model/clip-vision).")
    var clipVision: String?

    @Option(help: "SSP-IR: the caption of every photo (the semantic prior; edit it to steer the result).")
    var prompt: String?

    @Option(help: "SSP-IR: a captions file, one 'name<TAB>caption' line per photo.")
    var captions: String?

    @Option(help: "SSP-IR: an OpenAI-compatible vision-LLM endpoint that captions each photo (llama.cpp's server, Ollama, vLLM: http://127.0.0.1:PORT/v1).")
    var captioner: String?

    @Option(name: .customLong("captioner-model"), help: "SSP-IR: the model name the captioner knows (default llava-v1.5-7b).")
    var captionerModel: String?

    @Option(help: "SSP-IR: classifier-free guidance scale (1 runs the network once per step).")
    var guidance: Float = 7.5

    @Option(name: .customLong("negative-prompt"), help: "SSP-IR: the negative prompt of the unconditional half.")
    var negativePrompt = ""

    @Option(help: "SSP-IR: scheduler, ddpm (the paper's), ddim or dpm-solver.")
    var scheduler: SSPIRPipeline.SchedulerKind = .ddpm

    @Option(name: .customLong("colour-fix"), help: "SSP-IR: colour correction of the result, adain or none.")
    var colourFix: ColourFix = .adain

    @Option(help: "SSP-IR: CLIP's BPE vocabulary (default: the bundled models/clip/bpe_simple_vocab_16e6.txt.gz).")
    var vocabulary: String?

    /// Whether any SSP-IR option was given (they are refused with the IR-SDE method).
    var anyGiven: Bool {
        [sd, sspir, clipVision, prompt, captions, captioner, captionerModel, vocabulary].contains { $0 != nil }
    }

    /// Checks the options of an SSP-IR run.
    func validateForSSPIR() throws {
        for (value, flag) in [(sd, "--sd"), (sspir, "--sspir"), (clipVision, "--clip-vision")] where value == nil {
            throw ValidationError("--method sspir needs \(flag) (see wildir restore --help)")
        }
        if [prompt, captions, captioner].compactMap({ $0 }).count > 1 {
            throw ValidationError("give at most one of --prompt, --captions and --captioner")
        }
        guard guidance.isFinite && guidance >= 1 && guidance <= 50 else { throw ValidationError("--guidance must lie in 1…50, got \(guidance)") }
    }

    /// Where each photo's caption comes from ("" for every photo when nothing is given, as the official script).
    func captionSource() throws -> CaptionSource {
        if let captions { return try CaptionSource.captionsFile(captions) }
        if let captioner {
            var settings = ChatCompletionsCaptioner.Settings()
            if let captionerModel { settings.model = captionerModel }
            return .captioner(try ChatCompletionsCaptioner(endpoint: captioner, settings: settings))
        }
        return .prompt(prompt ?? "")
    }
}

extension SSPIRPipeline.SchedulerKind: ExpressibleByArgument {}
extension ColourFix: ExpressibleByArgument {}

extension RestoreCommand {
    /// `--method sspir`: loads the pipeline (its weights' memory and its tiles said first), then restores each photo
    /// with its caption, the networks on latent tiles of `--tile` image pixels overlapping by `--overlap` and the VAE on
    /// image tiles of the same size overlapping by a quarter (diffusers' tiled VAE); outputs are RGB PNGs of the
    /// input's size.
    func runSSPIR() async throws {
        let options = sspirOptions
        let pipeline: SSPIRPipeline
        let captions: CaptionSource
        do {
            captions = try options.captionSource()
            let tokenizer = try clipTokenizer(vocabulary: options.vocabulary)
            printError("note: loading SSP-IR (Stable Diffusion \(options.sd ?? ""), checkpoint \(options.sspir ?? ""), CLIP \(options.clipVision ?? ""))")
            pipeline = try SSPIRPipeline.load(stableDiffusion: URL(fileURLWithPath: options.sd ?? ""),
                                              sspir: URL(fileURLWithPath: options.sspir ?? ""),
                                              clipVision: URL(fileURLWithPath: options.clipVision ?? ""), tokenizer: tokenizer)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        // --tile and --overlap in image pixels; the networks run on latent tiles of a multiple of the U-Net's size, the
        // VAE on image tiles of that size rounded to 4 latent pixels (SD's 512 stays 512), so that its quarter overlap
        // is a whole number of latent pixels.
        let factor = pipeline.vae.configuration.downsamplingFactor, multiple = pipeline.unet.configuration.sizeMultiple
        let side = max(multiple, tile / factor / multiple * multiple)
        let vaeTiling = AutoencoderKLTiling(sampleTileSize: max(4, side / 4 * 4) * factor)
        printError(String(format: "note: the SSP-IR networks hold %.1f GiB of weights; each step runs the ControlNet and the U-Net%@ on tiles of %d pixels (latent %d) and the VAE encodes and decodes tiles of %d pixels, so a photo's memory is bounded by the tiles",
                          Double(pipeline.parameterBytes) / Double(1 << 30), options.guidance == 1 ? "" : " on both guidance halves",
                          side * factor, side, vaeTiling.sampleTileSize))
        var settings = SSPIRPipeline.Options()
        settings.steps = steps ?? 50
        settings.scheduler = options.scheduler
        settings.guidance = options.guidance
        settings.negativePrompt = options.negativePrompt
        settings.colourFix = options.colourFix
        settings.seed = seed
        settings.tiling = LatentTiling(side: side, overlap: min(overlap / factor, side - 1))
        settings.vaeTiling = vaeTiling
        try await restoreEach(try outputPlan()) { path, target in
            let image = try Image(contentsOf: path).opaqueRGB
            let caption = try await captions.caption(forPhoto: path)
            printError("note: \(path): caption \"\(caption)\"")
            var bar: ProgressBar?
            let restored = try pipeline.restore(Tensor(image: image).reshaped([1, 3, image.height, image.width]), prompt: caption,
                                                options: settings) { step, steps in
                if bar == nil { bar = ProgressBar(total: steps, unit: "steps") }
                bar?.update(step)
            }
            let result = try restored.image()
            try result.write(to: target)
            return (image, result)
        }
    }
}
