import ArgumentParser
import Foundation
import WildIR

/// `wildir evaluate`: PSNR and SSIM of a folder of restored images against a folder of references.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score restored images against references with PSNR and SSIM (BasicSR conventions).",
        discussion: """
            Files pair by name without extension (restored/x.png with reference/x.jpg); .png, .jpg, .jpeg and \
            .webp files take part, other files are listed on stderr as skipped. Unpaired files are an error \
            unless --allow-unpaired is given.

            Alpha is ignored. A gray file paired with an RGB one is compared as R = G = B; with --y-channel \
            gray images are converted like RGB ones (Y = 16 + 219/255 · gray), as BasicSR's test pipeline does.

            PSNR of identical images is infinite: "inf" in the table and CSV, null in JSON, and so is a mean \
            that includes it. Exit status: 0 on success, 1 when an image cannot be read, paired or scored, \
            64 for invalid options.

            Examples:
              wildir evaluate --restored out/ --reference gt/ --y-channel --crop-border 4
              wildir evaluate --restored out/ --reference gt/ --format csv > scores.csv
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @Option(help: "Folder of restored images.")
    var restored: String

    @Option(help: "Folder of reference (ground-truth) images.")
    var reference: String

    @Flag(name: .customLong("y-channel"), help: "Compare the BT.601 Y channel only (MATLAB rgb2ycbcr).")
    var yChannel = false

    @Option(name: .customLong("crop-border"), help: "Pixels to remove from every side before scoring.")
    var cropBorder = 0

    @Option(help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    @Flag(name: .customLong("allow-unpaired"), help: "Score the pairs that exist and list unpaired files.")
    var allowUnpaired = false

    @OptionGroup var decoding: DecodingOptions

    func validate() throws {
        guard cropBorder >= 0 else { throw ValidationError("--crop-border must be zero or positive, got \(cropBorder)") }
        for (option, path) in [("--restored", restored), ("--reference", reference)] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ValidationError("\(option) \(path): no such folder")
            }
            guard isDirectory.boolValue else { throw ValidationError("\(option) \(path): is a file, not a folder of images") }
        }
    }

    func run() throws {
        let evaluator = Evaluator(options: Evaluator.Options(
            region: ComparisonRegion(cropBorder: cropBorder, onY: yChannel),
            allowUnpaired: allowUnpaired, decode: decoding.options))
        let report: Evaluator.Report
        do {
            report = try evaluator.evaluate(restoredDirectory: restored, referenceDirectory: reference)
        } catch let error as EvaluationError {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        switch format {
        case .table: print(ReportFormatter.table(report))
        case .csv: print(ReportFormatter.csv(report), terminator: "")
        case .json: print(ReportFormatter.json(report))
        }
        for path in report.unpairedRestored + report.unpairedReference { printError("unpaired (not scored): \(path)") }
        for path in report.skipped { printError("skipped (not a .png, .jpg, .jpeg or .webp file): \(path)") }
    }
}

/// Text renderings of an evaluation report.
enum ReportFormatter {
    static func number(_ value: Double, digits: Int) -> String {
        value.isInfinite ? "inf" : String(format: "%.\(digits)f", value)
    }

    static func table(_ report: Evaluator.Report) -> String {
        let region = report.options.region
        let space = region.onY ? "Y" : "RGB"
        let width = max(5, report.scores.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func left(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var lines = ["\(pad("image", width))  \(left("PSNR (dB)", 10))  \(left("SSIM", 7))"]
        lines.append(String(repeating: "-", count: width + 21))
        for s in report.scores {
            lines.append("\(pad(s.name, width))  \(left(number(s.psnr, digits: 4), 10))  \(left(number(s.ssim, digits: 4), 7))")
        }
        lines.append(String(repeating: "-", count: width + 21))
        lines.append("\(pad("mean", width))  \(left(number(report.meanPSNR, digits: 4), 10))  \(left(number(report.meanSSIM, digits: 4), 7))")
        lines.append("\(report.scores.count) image(s), on \(space), crop border \(region.cropBorder)")
        return lines.joined(separator: "\n")
    }

    /// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func csv(_ report: Evaluator.Report) -> String {
        var out = "image,psnr,ssim\n"
        for s in report.scores { out += "\(csvField(s.name)),\(number(s.psnr, digits: 6)),\(number(s.ssim, digits: 6))\n" }
        out += "mean,\(number(report.meanPSNR, digits: 6)),\(number(report.meanSSIM, digits: 6))\n"
        return out
    }

    static func json(_ report: Evaluator.Report) -> String {
        func value(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
        let object: [String: Any] = [
            "y_channel": report.options.region.onY,
            "crop_border": report.options.region.cropBorder,
            "images": report.scores.map {
                ["name": $0.name, "restored": $0.restoredPath, "reference": $0.referencePath,
                 "psnr": value($0.psnr), "ssim": value($0.ssim)] as [String: Any]
            },
            "mean": ["psnr": value(report.meanPSNR), "ssim": value(report.meanSSIM)],
            "unpaired_restored": report.unpairedRestored,
            "unpaired_reference": report.unpairedReference,
            "skipped": report.skipped,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
