import ArgumentParser
import Foundation
import WildIR

/// `wildir inspect`: what WildIR sees in image files (format, size, channels, value range).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print the format, size, channels and value range of images.",
        discussion: """
            Every file is decoded exactly as the other commands would decode it (EXIF orientation applied),
            so a file that inspect reports as broken will be refused everywhere with the same message.

            Example:
              wildir inspect Samples/*.png
            """
    )

    @Argument(help: "Image files to inspect.")
    var files: [String]

    @OptionGroup var decoding: DecodingOptions

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one image file") }
    }

    func run() throws {
        var failures = 0
        for path in files {
            do {
                let bytes = try ImageCodec.readFile(path)
                let image = try ImageCodec.decode(bytes, source: path, options: decoding.options)
                let format = ImageFormat.sniff(bytes)?.name ?? "?"
                let lo = image.samples.min() ?? 0, hi = image.samples.max() ?? 0
                let layout = ["gray", "gray+alpha", "RGB", "RGBA"][image.channels - 1]
                print("\(path): \(format) \(image.width)×\(image.height) \(layout), \(bytes.count) bytes, "
                    + "values \(String(format: "%.4f", lo))…\(String(format: "%.4f", hi))")
            } catch {
                failures += 1
                printError("\(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
