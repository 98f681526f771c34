import ArgumentParser
import Foundation
import WildIR

/// `wildir restore`: restores photos with a trained IR-SDE network.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore photos with the mean-reverting SDE and a trained network, or with SSP-IR.",
        discussion: """
            --model takes 'default' (the model shipped in models/default.safetensors), a WildIR safetensors \
            checkpoint (its configuration is in its metadata) or an official IR-SDE / DACLIP-IR .pth state dict \
            (its configuration is read from the tensor names and shapes, or taken from --config, a YAML options \
            file with the official network_G and sde blocks).

            Networks conditioned on DA-CLIP (the official wild-IR network wild-ir.pth, daclip-sde networks) need \
            the DA-CLIP weights they were trained with: --daclip wild-daclip_ViT-L-14.pt for wild-IR. As the \
            official test.py, each image's DA-CLIP embedding is computed once from the whole image (shorter side \
            to 224, centre crop) and given to every tile and step: the content embedding as the network's \
            cross-attention context, the degradation embedding as its prompt (daclip-sde).

            A network trained by `wildir train` with DA-CLIP records that DA-CLIP's file name and SHA-256: without \
            --daclip it is looked for beside the model file, where training read it and in the bundled models; a \
            --daclip with another SHA-256 is refused.

            Images of any size are restored in overlapping tiles (--tile, --overlap) with blended seams; a tile \
            whose estimated memory exceeds --max-memory is refused (the default tile shrinks to fit). Gray images \
            come back gray, alpha is kept, 16-bit PNGs stay 16-bit, and the output has the input's size. Outputs \
            are PNG files named after the inputs; with --compare an input|output side-by-side PNG is written too. \
            Nothing is written when two inputs would write the same file or an output exists already (an input \
            among them), unless --overwrite is given.

            --method sspir restores with SSP-IR (semantic and structure priors on Stable Diffusion 1.5): --sd gives \
            SD-1.5 (its VAE and text encoder), --sspir a checkpoint folder of SSP-IR's training (unet/, controlnet/, \
            refine/refine.pt), --clip-vision CLIP ViT-L/14. Each photo's caption is --prompt, its line of a \
            --captions file, or the reply of a vision-LLM endpoint (--captioner); none gives the empty caption. The \
            run starts from the LQ latent noised to t = 999 and takes --steps (default 50) steps of --scheduler \
            under --guidance, then matches the LQ colours (--colour-fix). Photos are restored whole.

            Examples:
              wildir restore photo.jpg -o restored/
              wildir restore lq/*.png -o out/ --sampler sde --steps 50 --seed 7 --compare
              wildir restore photo.jpg -o out/ --model wild-ir.pth --daclip wild-daclip_ViT-L-14.pt
              wildir restore photo.jpg -o out/ --method sspir --sd v1-5-pruned-emaonly.safetensors \\
                --sspir checkpoint-100000 --clip-vision clip-vit-large-patch14 --prompt "a red car on a street"
            """
    )

    @Argument(help: "Images to restore (.png, .jpg, .jpeg, .webp).")
    var inputs: [String]

    @Option(name: [.customShort("o"), .customLong("output")], help: "Folder for the restored images.")
    var output: String

    @Option(help: "Restoration method: irsde (the IR-SDE network of --model) or sspir (SSP-IR: --sd, --sspir, --clip-vision).")
    var method: RestorationMethod = .irsde

    @Option(help: "'default' or the path of a checkpoint (.safetensors or .pth).")
    var model = "default"

    @Option(help: "An options file (YAML) whose network_G and sde blocks describe the checkpoint, for official weights whose configuration cannot be read from their tensors.")
    var config: String?

    @OptionGroup var daclipOptions: DACLIPOptions

    @Option(help: "Sampler: posterior (optimal posterior sampling), sde (reverse SDE) or ode (default: the model's sampling_mode, posterior unless it says otherwise).")
    var sampler: SamplingMethod?

    @OptionGroup(title: "SSP-IR") var sspirOptions: SSPIROptions

    @Option(help: "Sampling steps (IR-SDE: at most the model's T, default the sample_T stored with the model, else T; SSP-IR: default 50).")
    var steps: Int?

    @Option(help: "Seed of the sampling noise.")
    var seed: UInt64 = 0

    @Option(help: "Largest tile side in pixels.")
    var tile = 512

    @Option(help: "Overlap of neighbouring tiles in pixels.")
    var overlap = 32

    @Flag(help: "Also write an input|output side-by-side PNG per image.")
    var compare = false

    @Flag(help: "Replace output files that exist already (never done otherwise, and never an input unless this is given).")
    var overwrite = false

    @Option(help: "Memory (GiB) a tile may take; a larger --tile is refused, and the default tile shrinks to fit (default: three quarters of this machine's memory).")
    var maxMemory: Double?

    /// The largest tile side accepted (the memory estimate bounds it further).
    static let maximumTile = 8192

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("no input images") }
        if let steps, steps < 1 { throw ValidationError("--steps must be positive, got \(steps)") }
        guard (32...Self.maximumTile).contains(tile) else { throw ValidationError("--tile must lie in 32…\(Self.maximumTile), got \(tile)") }
        if let maxMemory, !(maxMemory > 0 && maxMemory <= 1_048_576) { throw ValidationError("--max-memory must be a positive number of GiB") }
        guard overlap >= 0 && overlap < tile / 2 else { throw ValidationError("--overlap must lie in 0..<\(tile / 2)") }
        switch method {
        case .irsde:
            if sspirOptions.anyGiven { throw ValidationError("--sd, --sspir, --clip-vision and the caption options belong to --method sspir") }
        case .sspir:
            try sspirOptions.validateForSSPIR()
            if daclipOptions.daclip != nil || config != nil || sampler != nil || model != "default" {
                throw ValidationError("--model, --config, --daclip and --sampler belong to --method irsde")
            }
        }
    }

    func run() async throws {
        if method == .sspir { return try await runSSPIR() }
        let restorationModel: RestorationModel
        let modelURL: URL
        do {
            modelURL = try ModelLocator().resolve(model)
            let description = try config.map { try ModelDescription(optionsFile: $0) }
            restorationModel = try RestorationModel(contentsOf: modelURL, description: description)
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        var options = RestorationOptions()
        options.sampler = sampler
        options.steps = steps
        options.seed = seed
        options.tileSize = try tileSize(for: restorationModel)
        options.overlap = min(overlap, options.tileSize / 2 - 1)
        let restorer: Restorer
        do {
            let conditioner = try conditioner(for: restorationModel, at: modelURL)
            restorer = try Restorer(model: restorationModel, options: options, conditioner: conditioner)
        } catch {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        try await restoreEach(try outputPlan()) { path, target in
            let image = try Image(contentsOf: path)
            var bar: ProgressBar?
            let restored = try restorer.restore(image) { p in
                if bar == nil { bar = ProgressBar(total: p.tiles * p.steps, unit: "steps") }
                bar?.update(p.tile * p.steps + p.step)
            }
            // A 16-bit PNG comes back 16-bit; everything else as 8-bit PNG.
            try restored.write(to: target, options: EncodeOptions(pngBitDepth: ImageCodec.storedBitDepth(path) == 16 ? 16 : 8))
            return (image, restored)
        }
    }

    /// Each input's PNG (and comparison sheet) in `--output`; two inputs writing one file, or an existing output
    /// without `--overwrite`, end the command (exit status 73) before anything is written.
    func outputPlan() throws -> OutputPlan {
        do {
            return try OutputPlan(inputs: inputs, overwrite: overwrite) { path in
                let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
                let folder = URL(fileURLWithPath: output)
                return [folder.appendingPathComponent("\(name).png").path]
                    + (compare ? [folder.appendingPathComponent("\(name)_compare.png").path] : [])
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(73)
        }
    }

    /// Runs `restore` on every input of `plan` (it writes the output and returns the input and the result), then
    /// the `--compare` sheet; a failing image is reported and the others go on, and any failure ends the command
    /// with status 1 after the last image.
    func restoreEach(_ plan: OutputPlan,
                     _ restore: (_ input: String, _ target: String) async throws -> (input: Image, restored: Image)) async throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var failures: [String] = []
        for entry in plan.entries {
            let path = entry.input, target = entry.outputs[0]
            do {
                let (image, restored) = try await restore(path, target)
                if compare { try writeComparison(input: image, restored: restored, to: entry.outputs[1]) }
                print("\(path) → \(target)")
            } catch {
                printError("error: \(path): \(error)")
                failures.append(path)
            }
        }
        if !failures.isEmpty {
            printError("\(failures.count) of \(inputs.count) images failed")
            throw ExitCode(1)
        }
    }

    /// The input|restored side-by-side PNG of `--compare`.
    func writeComparison(input: Image, restored: Image, to path: String) throws {
        let sheet = try ContactSheet.render([.init(image: input, caption: "input"), .init(image: restored, caption: "restored")],
                                            columns: 2, tileSize: max(input.width, input.height), captionLines: 1,
                                            renderer: try TextRenderer())
        try sheet.write(to: path)
    }

    /// The DA-CLIP conditioner: `--daclip`, or the DA-CLIP a WildIR model records (``DACLIPReference``), found beside
    /// the model, where training read it, or in the bundled models; nil for a network without DA-CLIP context. A
    /// network that takes no DA-CLIP context is refused with `--daclip` before the weights are read, and a `--daclip`
    /// whose SHA-256 is not the one the model records is refused.
    func conditioner(for model: RestorationModel, at modelURL: URL) throws -> DACLIPConditioner? {
        let reference = try DACLIPReference(metadata: model.metadata, source: modelURL.path)
        guard let given = daclipOptions.daclip else {
            guard let reference, model.network.configuration.takesDACLIPContext else { return nil }
            let found = try reference.locate(besideModel: modelURL, locator: ModelLocator())
            printError("note: DA-CLIP \(found.path) (the one the model was trained with)")
            return DACLIPConditioner(model: try daclipOptions.load(found))
        }
        guard model.network.configuration.takesDACLIPContext else {
            throw RestorationError.incompatibleDACLIP("the network takes no DA-CLIP context; restore without --daclip")
        }
        try reference?.verify(URL(fileURLWithPath: given))
        return try daclipOptions.load().map { DACLIPConditioner(model: $0) }
    }

    /// `--tile`, checked against the memory the model needs per tile: an explicit tile over the limit is refused; the
    /// default one shrinks to fit, with a note.
    func tileSize(for model: RestorationModel) throws -> Int {
        let limit = Int((maxMemory ?? 0.75 * Double(ProcessInfo.processInfo.physicalMemory) / Double(1 << 30)) * Double(1 << 30))
        let memory = TileMemory(network: model.network)
        let needed = memory.peakBytes(width: tile, height: tile)
        guard needed > limit else { return tile }
        let gib = { (bytes: Int) in String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        let fitting = memory.largestTile(within: limit)
        if tileWasGiven {
            printError("error: a \(tile)-pixel tile needs about \(gib(needed)) with this model, more than the \(gib(limit)) allowed; "
                       + "use --tile \(fitting) or less, or raise --max-memory")
            throw ExitCode(64)
        }
        printError("note: tiles of \(fitting) pixels (a \(tile)-pixel tile would need about \(gib(needed)), more than \(gib(limit)))")
        return fitting
    }

    /// Whether `--tile` was on the command line (rather than its default).
    var tileWasGiven: Bool { CommandLine.arguments.contains { $0 == "--tile" || $0.hasPrefix("--tile=") } }
}

extension SamplingMethod: ExpressibleByArgument {}
