import ArgumentParser
import Foundation
import WildIR

/// `wildir degrade`: LQ/GT training pairs from a folder of clean photos.
struct DegradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "degrade",
        abstract: "Degrade a folder of clean photos into LQ/GT training pairs.",
        discussion: """
            Writes OUT/GT/name.png (the clean image, cropped if --crop), OUT/LQ/name.png (its degraded version) and
            OUT/manifest.jsonl (one record per pair: the operations with their drawn parameters and the degradation
            text, e.g. "an image with blur, noise, jpeg block"). The same --seed gives the same files whatever
            --jobs is. Run again to resume: complete pairs are skipped. A file that cannot be read is reported at
            the end and does not stop the batch.

            Pipelines: wild (DACLIP-IR's three shuffled phases of blur/ringing, resize, noise and JPEG) and
            realesrgan (Real-ESRGAN's second-order degradation, --scale 1, 2 or 4; LQ is 1/scale of GT and GT is
            USM-sharpened as in Real-ESRGAN's training) and mild (the robust DA-CLIP augmentation: resize, noise
            and JPEG in random order, back to the original size). Published settings unless --config gives a YAML
            file that overrides some of them.

            Examples:
              wildir degrade --input photos/ --output train/ --seed 1 --copies 4 --crop 256 --jobs 2
              wildir degrade --input photos/ --output train/ --config lighter.yml
              wildir degrade --pipeline realesrgan --scale 4 --input photos/ --output sr/ --crop 256
              wildir degrade --input photos/ --output train/ --crop 256 --preview 7   # also train/preview.png
            """
    )

    @Option(help: "Degradation pipeline: \(DegradationPipelineName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var pipeline: DegradationPipelineName = .wild

    @Option(help: "Super-resolution scale for realesrgan: 1, 2 or 4.")
    var scale = 1

    @Option(help: "Folder of clean photos (PNG, JPEG, WebP).")
    var input: String

    @Option(help: "Output folder (GT/, LQ/, manifest.jsonl).")
    var output: String

    @Option(help: "Random seed; each output has its own stream derived from it and the file name.")
    var seed: UInt64 = 0

    @Option(help: "Degraded versions per photo.")
    var copies = 1

    @Option(help: "Random square crop of this side before degrading (smaller photos are used whole).")
    var crop: Int?

    @Option(help: "YAML file overriding pipeline settings.")
    var config: String?

    @Option(help: "Photos processed concurrently.")
    var jobs = 1

    @Option(help: "Also write OUT/preview.png: the first photo's ground truth beside N degraded versions with their degradation text.")
    var preview: Int?

    @OptionGroup var decoding: DecodingOptions

    func validate() throws {
        if let preview, !(1...32).contains(preview) { throw ValidationError("--preview takes 1…32 samples, got \(preview)") }
        guard (1...DatasetDegrader.maximumCopies).contains(copies) else {
            throw ValidationError("--copies must lie in 1…\(DatasetDegrader.maximumCopies), got \(copies)")
        }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must lie in 1…256, got \(jobs)") }
        if let crop, !(8...65536).contains(crop) { throw ValidationError("--crop must lie in 8…65536 pixels, got \(crop)") }
        guard [1, 2, 4].contains(scale) else { throw ValidationError("--scale must be 1, 2 or 4, got \(scale)") }
        if scale != 1, pipeline != .realesrgan { throw ValidationError("--scale applies to --pipeline realesrgan only") }
    }

    func run() throws {
        let pipeline: DegradationPipeline
        do {
            let settings = try config.map { try ConfigurationValue.parse(yaml: try ConfigurationLoader.text(contentsOf: $0), source: $0) }
            pipeline = try DegradationPipeline(self.pipeline, settings: settings ?? .mapping([:]), scale: scale,
                                               source: config ?? "<defaults>")
        } catch let error as ConfigurationError {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        let degrader = DatasetDegrader(options: .init(pipeline: pipeline, seed: seed, copies: copies, crop: crop,
                                                      jobs: jobs, decode: decoding.options))
        let bar = ProgressBarBox()
        let summary: DatasetDegrader.Summary
        do {
            summary = try degrader.run(input: input, output: output) { done, total in bar.update(done, total) }
        } catch let error as DatasetError {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        if let preview {
            let path = URL(fileURLWithPath: output).appendingPathComponent("preview.png").path
            do {
                try degrader.preview(input: input, count: preview).write(to: path)
                print("preview: \(path)")
            } catch {
                printError("preview not written: \(error)")
            }
        }
        print("\(summary.written) pair(s) written, \(summary.skipped) already complete, \(summary.failures.count) failure(s) → \(output)")
        for failure in summary.failures { printError("failed: \(failure.reason)") }
        if !summary.failures.isEmpty { throw ExitCode(1) }
    }
}

extension DegradationPipelineName: ExpressibleByArgument {}

/// Creates the progress bar on the first report, when the total is known.
final class ProgressBarBox: @unchecked Sendable {
    private var bar: ProgressBar?
    private let lock = NSLock()

    func update(_ done: Int, _ total: Int) {
        let current: ProgressBar = lock.withLock {
            if let bar { return bar }
            let made = ProgressBar(total: total, unit: "img")
            bar = made
            return made
        }
        current.update(done)
    }
}
