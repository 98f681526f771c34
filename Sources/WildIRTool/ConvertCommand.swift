import ArgumentParser
import WildIR

/// `wildir convert`: re-encode an image, optionally resized — the I/O and resampling layer on the command line.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an image between PNG, JPEG and WebP, optionally resizing it.",
        discussion: """
            The output format follows the output file's extension (.png, .jpg/.jpeg, .webp).
            Give --scale, or --width and/or --height (one of them alone keeps the aspect ratio), or --size-of
            another image to match its size exactly.

            Examples:
              wildir convert photo.jpg -o photo.png
              wildir convert photo.png -o small.jpg --scale 0.5 --filter area --quality 40
              wildir convert photo.png -o thumb.webp --width 256 --filter matlab-bicubic
              wildir convert small.jpg -o back.png --size-of photo.png --filter bicubic
            """
    )

    @Argument(help: "The image to read (PNG, JPEG or WebP).")
    var input: String

    @Option(name: [.short, .customLong("output")], help: "The file to write; its extension selects the format.")
    var output: String

    @Option(help: "Scale factor for both sides (e.g. 0.5 or 2).")
    var scale: Double?

    @Option(help: "Output width in pixels.")
    var width: Int?

    @Option(help: "Output height in pixels.")
    var height: Int?

    @Option(name: .customLong("size-of"), help: "Resize to the width and height of this image.")
    var sizeOf: String?

    @Option(help: "Resampling filter: \(ResizeFilter.allCases.map(\.rawValue).joined(separator: ", ")).")
    var filter: ResizeFilter = .bicubic

    @OptionGroup var encoding: EncodingOptions
    @OptionGroup var decoding: DecodingOptions

    func validate() throws {
        if let scale, !(scale > 0 && scale.isFinite) {
            throw ValidationError("--scale must be a positive number, got \(scale)")
        }
        let sizeChoices = [scale != nil, width != nil || height != nil, sizeOf != nil].filter { $0 }.count
        if sizeChoices > 1 {
            throw ValidationError("give only one of --scale, --width/--height and --size-of")
        }
        if let width, width <= 0 { throw ValidationError("--width must be positive, got \(width)") }
        if let height, height <= 0 { throw ValidationError("--height must be positive, got \(height)") }
        guard let dot = output.lastIndex(of: "."), ImageFormat(fileExtension: String(output[output.index(after: dot)...])) != nil else {
            throw ValidationError("the output '\(output)' needs a .png, .jpg, .jpeg or .webp extension")
        }
    }

    func run() throws {
        var image = try Image(contentsOf: input, options: decoding.options)
        if let scale {
            image = try image.resized(scale: scale, filter: filter)
        } else if let sizeOf {
            let target = try Image(contentsOf: sizeOf, options: decoding.options)
            image = try image.resized(width: target.width, height: target.height, filter: filter)
        } else if width != nil || height != nil {
            let (w, h) = Self.targetSize(width: width, height: height, of: image)
            image = try image.resized(width: w, height: h, filter: filter)
        }
        try image.write(to: output, options: encoding.options)
        print("\(output): \(image.width)×\(image.height), \(image.channels) channel(s)")
    }

    /// Fills in a missing side so that the aspect ratio is kept (rounded, at least 1 px).
    static func targetSize(width: Int?, height: Int?, of image: Image) -> (Int, Int) {
        let aspect = Double(image.width) / Double(image.height)
        let w = width ?? max(1, Int((Double(height ?? image.height) * aspect).rounded()))
        let h = height ?? max(1, Int((Double(w) / aspect).rounded()))
        return (w, h)
    }
}

extension ResizeFilter: ExpressibleByArgument {}
