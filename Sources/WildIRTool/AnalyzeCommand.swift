import ArgumentParser
import CLIPTokenizer
import DACLIP
import Foundation
import WildIR

/// `wildir analyze`: DA-CLIP's zero-shot degradation analysis of photos (the official README's example).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Tell which degradations DA-CLIP sees in photos (zero-shot).",
        discussion: """
            Each image goes through the official preprocessing (shorter side to 224 with Pillow's bicubic, centre \
            crop; --resize squash stretches the whole image instead) and DA-CLIP's controller; its degradation \
            embedding is compared with the text embedding of every label. similarity is their cosine, probability \
            softmax(100 · similarity) over the labels, as in the DACLIP-IR README.

            Labels default to the ten degradation types of the universal DA-CLIP (motion-blurry, hazy, \
            jpeg-compressed, low-light, noisy, raindrop, rainy, shadowed, snowy, uncompleted); --label, repeated, \
            gives others. The text table lists each image's labels from most to least probable (the first --top); \
            --format json prints every label in the order given:
              [{"image": PATH, "labels": [{"label": TEXT, "similarity": S, "probability": P}, …]}, …]

            Exit status: 0 on success, 1 when an image cannot be read or analysed (the others are still \
            reported), 64 for invalid options or weights.

            Examples:
              wildir analyze photo.jpg --daclip daclip_ViT-B-32.pt
              wildir analyze lq/*.png --daclip wild-daclip_ViT-L-14.pt --top 3
              wildir analyze x.png --daclip daclip_ViT-B-32.pt --label "a hazy photo" --label "a sharp photo" --format json
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "Images to analyse (.png, .jpg, .jpeg, .webp).")
    var images: [String]

    @OptionGroup var model: DACLIPOptions

    @Option(name: .customLong("label"), help: "A degradation label to score (repeat for several; default: the ten universal DA-CLIP types).")
    var labels: [String] = []

    @Option(help: "Only the K most probable labels in the text table (default: all).")
    var top: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Preprocessing: crop (the official one: shorter side to 224, centre crop) or squash (the whole image stretched to 224 × 224).")
    var resize: CLIPPreprocessing.Resizing = .shorterSideAndCentreCrop

    @Option(help: "The CLIP tokenizer's vocabulary, bpe_simple_vocab_16e6.txt.gz (default: the bundled one in models/clip/).")
    var vocabulary: String?

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("no images to analyse") }
        guard model.daclip != nil else { throw ValidationError("--daclip is required: the DA-CLIP weights to analyse with") }
        if let top, top < 1 { throw ValidationError("--top must be at least 1, got \(top)") }
        if labels.contains(where: { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
            throw ValidationError("--label must not be empty")
        }
    }

    func run() throws {
        let analysis: DegradationAnalysis
        do {
            let tokenizer = try clipTokenizer(vocabulary: vocabulary)
            guard let daclip = try model.load() else { throw ValidationError("--daclip is required") }
            analysis = try DegradationAnalysis(model: daclip, tokenizer: tokenizer,
                                               labels: labels.isEmpty ? DegradationAnalysis.universalLabels : labels,
                                               preprocessing: CLIPPreprocessing(for: daclip, resizing: resize))
        } catch {
            printError("error: \(error)")
            throw ExitCode(64)
        }
        var results: [(path: String, scores: [DegradationScore])] = []
        var failures = 0
        for path in images {
            do {
                let scores = try analysis.analyse(try Image(contentsOf: path))
                results.append((path, scores))
                if format == .text { print(table(path: path, scores: scores)) }
            } catch {
                printError("error: \(path): \(error)")
                failures += 1
            }
        }
        if format == .json { print(Self.json(results)) }
        if failures > 0 {
            printError("\(failures) of \(images.count) images failed")
            throw ExitCode(1)
        }
    }

    /// One image's labels from most to least probable (the first `top`).
    func table(path: String, scores: [DegradationScore]) -> String {
        let shown = Array(scores.ranked.prefix(top ?? scores.count))
        let width = max(5, shown.map(\.label.count).max() ?? 0)
        func padded(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        var lines = [path, "  \(padded("label"))  similarity  probability"]
        for score in shown {
            lines.append("  \(padded(score.label))  " + String(format: "%10.4f  %11.4f", score.similarity, score.probability))
        }
        return lines.joined(separator: "\n")
    }

    /// `[{"image": PATH, "labels": [{"label": TEXT, "similarity": S, "probability": P}, …]}, …]`, keys in this order,
    /// numbers as the shortest decimals that read back to the same doubles.
    static func json(_ results: [(path: String, scores: [DegradationScore])]) -> String {
        func string(_ text: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        }
        func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
        let images = results.map { result in
            let labels = result.scores.map {
                "{\"label\": \(string($0.label)), \"similarity\": \(number($0.similarity)), \"probability\": \(number($0.probability))}"
            }
            return "{\"image\": \(string(result.path)), \"labels\": [" + labels.joined(separator: ", ") + "]}"
        }
        return "[" + images.joined(separator: ",\n ") + "]"
    }
}

/// The DA-CLIP weights a command runs (`analyze`, and `restore` for networks conditioned on DA-CLIP).
struct DACLIPOptions: ParsableArguments {
    @Option(help: "DA-CLIP weights: an official .pt (wild-daclip_ViT-L-14.pt, daclip_ViT-B-32.pt) or a WildIR DA-CLIP .safetensors.")
    var daclip: String?

    @Option(name: .customLong("daclip-config"), help: "The DA-CLIP configuration: daclip_ViT-B-32, daclip_ViT-L-14, an OpenCLIP model-config JSON file, or inline JSON (default: read from the weights).")
    var daclipConfig: String?

    @Option(name: .customLong("daclip-precision"), help: "DA-CLIP's linear layers: float32, or bfloat16 (about twice as fast on CPUs with AVX512-BF16, embeddings within bfloat16 rounding; the official code runs DA-CLIP under autocast too).")
    var daclipPrecision: MatmulPrecision = .float32

    func validate() throws {
        if daclipConfig != nil && daclip == nil { throw ValidationError("--daclip-config describes --daclip weights; give --daclip too") }
    }

    /// The model, loaded strictly (nil without `--daclip`).
    func load() throws -> DACLIPModel? {
        guard let daclip else { return nil }
        guard FileManager.default.fileExists(atPath: daclip) else { throw ValidationError("--daclip \(daclip): no such file") }
        return try load(URL(fileURLWithPath: daclip))
    }

    /// The weights at `url`, loaded strictly with `--daclip-config` if given.
    func load(_ url: URL) throws -> DACLIPModel {
        let configuration = try daclipConfig.map { try CLIPConfiguration(nameOrJSON: $0) }
        let model = try DACLIPModel(contentsOf: url, configuration: configuration)
        if daclipPrecision == .bfloat16 && !MatmulPrecision.bfloat16IsNative {
            printError("note: this CPU has no AVX512-BF16; DA-CLIP runs in float32")
        }
        model.useInferencePrecision(daclipPrecision)
        return model
    }
}

extension CLIPPreprocessing.Resizing: ExpressibleByArgument {}
extension MatmulPrecision: ExpressibleByArgument {}
