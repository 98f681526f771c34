import ArgumentParser
import Foundation
import WildIR

/// `wildir restore`: restores photos with a trained IR-SDE network.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore photos with the mean-reverting SDE and a trained network.",
        discussion: """
            --model takes 'default' (the model shipped in models/default.safetensors), a WildIR safetensors \
            checkpoint (its configuration is in its metadata) or an official IR-SDE / DACLIP-IR .pth state dict \
            (its configuration is read from the tensor names and shapes, or taken from --config, a YAML options \
            file with the official network_G and sde blocks).

            Images of any size are restored in overlapping tiles (--tile, --overlap) with blended seams. Gray \
            images come back gray, alpha is kept, and the output has the input's size. Outputs are PNG files \
            named after the inputs; with --compare an input|output side-by-side PNG is written too.

            Examples:
              wildir restore photo.jpg -o restored/
              wildir restore lq/*.png -o out/ --sampler sde --steps 50 --seed 7 --compare
            """
    )

    @Argument(help: "Images to restore (.png, .jpg, .jpeg, .webp).")
    var inputs: [String]

    @Option(name: [.customShort("o"), .customLong("output")], help: "Folder for the restored images.")
    var output: String

    @Option(help: "'default' or the path of a checkpoint (.safetensors or .pth).")
    var model = "default"

    @Option(help: "An options file (YAML) whose network_G and sde blocks describe the checkpoint, for official weights whose configuration cannot be read from their tensors.")
    var config: String?

    @Option(help: "Sampler: posterior (optimal posterior sampling), sde (reverse SDE) or ode (default: the model's sampling_mode, posterior unless it says otherwise).")
    var sampler: SamplingMethod?

    @Option(help: "Sampling steps (at most the model's T; default: the sample_T stored with the model, else T).")
    var steps: Int?

    @Option(help: "Seed of the sampling noise.")
    var seed: UInt64 = 0

    @Option(help: "Largest tile side in pixels.")
    var tile = 512

    @Option(help: "Overlap of neighbouring tiles in pixels.")
    var overlap = 32

    @Flag(help: "Also write an input|output side-by-side PNG per image.")
    var compare = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("no input images") }
        if let steps, steps < 1 { throw ValidationError("--steps must be positive, got \(steps)") }
        guard tile >= 32 else { throw ValidationError("--tile must be at least 32, got \(tile)") }
        guard overlap >= 0 && overlap < tile / 2 else { throw ValidationError("--overlap must lie in 0..<\(tile / 2)") }
    }

    func run() throws {
        let restorationModel: RestorationModel
        do {
            let modelURL = try ModelLocator().resolve(model)
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
        options.tileSize = tile
        options.overlap = overlap
        let restorer: Restorer
        do { restorer = try Restorer(model: restorationModel, options: options) } catch {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var failures: [String] = []
        for path in inputs {
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            do {
                let image = try Image(contentsOf: path)
                var bar: ProgressBar?
                let restored = try restorer.restore(image) { p in
                    if bar == nil { bar = ProgressBar(total: p.tiles * p.steps, unit: "steps") }
                    bar?.update(p.tile * p.steps + p.step)
                }
                let target = (output as NSString).appendingPathComponent("\(name).png")
                try restored.write(to: target)
                if compare {
                    let sheet = try ContactSheet.render([.init(image: image, caption: "input"), .init(image: restored, caption: "restored")],
                                                        columns: 2, tileSize: max(image.width, image.height), captionLines: 1,
                                                        renderer: try TextRenderer())
                    try sheet.write(to: (output as NSString).appendingPathComponent("\(name)_compare.png"))
                }
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
}

extension SamplingMethod: ExpressibleByArgument {}
