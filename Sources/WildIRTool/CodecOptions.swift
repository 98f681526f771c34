import ArgumentParser
import WildIR

/// Command-line options shared by every command that writes images.
struct EncodingOptions: ParsableArguments {
    @Option(help: "JPEG quality 1…100.")
    var quality: Int = 95

    @Option(name: .customLong("bit-depth"), help: "PNG bits per sample: 8 or 16.")
    var bitDepth: Int = 8

    @Option(name: .customLong("webp-quality"), help: "Lossy WebP quality 0…100.")
    var webpQuality: Float = 90

    @Flag(help: "Write lossless WebP.")
    var lossless = false

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1…100, got \(quality)") }
        guard bitDepth == 8 || bitDepth == 16 else { throw ValidationError("--bit-depth must be 8 or 16, got \(bitDepth)") }
        guard (0...100).contains(webpQuality) else { throw ValidationError("--webp-quality must be 0…100") }
    }

    var options: EncodeOptions {
        EncodeOptions(pngBitDepth: bitDepth, jpegQuality: quality, webpQuality: webpQuality, webpLossless: lossless)
    }
}

/// Command-line options shared by every command that reads images.
struct DecodingOptions: ParsableArguments {
    @Option(name: .customLong("max-megapixels"), help: "Refuse images larger than this (decompression-bomb guard).")
    var maxMegapixels: Double = 100

    @Flag(name: .customLong("ignore-orientation"), help: "Do not apply the EXIF orientation of JPEG files.")
    var ignoreOrientation = false

    func validate() throws {
        guard maxMegapixels > 0, maxMegapixels.isFinite else { throw ValidationError("--max-megapixels must be positive") }
    }

    var options: DecodeOptions {
        DecodeOptions(maxPixels: Int(min(maxMegapixels * 1_000_000, Double(Int.max / 2))), applyOrientation: !ignoreOrientation)
    }
}
