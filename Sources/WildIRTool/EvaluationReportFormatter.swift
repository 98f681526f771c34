import ArgumentParser
import Foundation
import WildIR

/// The output formats of `wildir evaluate`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, csv, json

    init?(argument: String) {
        // `table` was the text format's first name; it stays accepted.
        self.init(rawValue: argument == "table" ? "text" : argument)
    }
}

/// One evaluated folder and its name in tables.
struct LabelledReport {
    let label: String
    let folder: String
    let report: Evaluator.Report
}

/// Renderings of evaluation reports: one folder per image (with the mean), several folders as a paper's table of
/// means (a row per folder, ↑/↓ per column, the best value in bold in Markdown).
enum ReportFormatter {
    static func render(_ reports: [LabelledReport], format: ReportFormat) -> String {
        guard let first = reports.first else { return "" }
        switch (format, reports.count) {
        case (.text, 1): return perImageText(first.report)
        case (.text, _): return comparisonText(reports)
        case (.markdown, 1): return perImageMarkdown(first.report)
        case (.markdown, _): return comparisonMarkdown(reports)
        case (.csv, _): return csv(reports)
        case (.json, 1): return serialised(jsonObject(first))
        case (.json, _): return serialised(reports.map(jsonObject))
        }
    }

    static func number(_ value: Double, digits: Int) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let text = String(format: "%.\(digits)f", value)
        // A rounding residue below zero (DISTS of identical images is 1 − Σ weights, about −1e−16) prints as 0.
        return text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) ? String(text.dropFirst()) : text
    }

    /// Four decimals, as BasicSR's logs.
    static func cell(_ value: Double) -> String { number(value, digits: 4) }

    /// A column title with its direction: "PSNR (dB) ↑", "NIQE ↓".
    static func title(_ metric: MetricName) -> String {
        metric.title + (metric.unit.map { " (\($0))" } ?? "") + (metric.higherIsBetter ? " ↑" : " ↓")
    }

    /// The conventions a table was computed with, for its footer.
    static func conventions(_ options: Evaluator.Options) -> String {
        let region = options.region
        var text = "on \(region.yChannel.map { "Y \($0.summary)" } ?? "RGB"), crop border \(region.cropBorder)"
        if options.metrics.contains(.niqe) { text += "; NIQE on Y as BasicSR's calculate_niqe" }
        if let lpips = options.learned.lpips, options.metrics.contains(.lpips) {
            text += "; LPIPS v0.1 \(lpips.network.rawValue) (\(lpips.network.trunk.title)) on RGB, whole image"
        }
        if options.metrics.contains(.dists) { text += "; DISTS on RGB, whole image, not resized" }
        let setLevel = options.metrics.filter(\.isSetLevel)
        if !setLevel.isEmpty {
            text += "; " + setLevel.map(\.title).joined(separator: ", ") + " over whole folders (pytorch-fid's Inception, 299×299), one value per set"
            if setLevel.contains(.kid) {
                text += " (KID: mean of \(options.kid.subsets) subsets of up to \(options.kid.subsetSize) images)"
            }
        }
        if options.metrics.contains(where: \.isCLIPBased), let embedder = options.clip.imageSimilarity?.embedder ?? options.clip.quality?.embedder {
            let (size, vision) = (embedder.preprocessing.resolution, embedder.model.configuration.vision)
            text += "; CLIP-I/CLIPIQA on CLIP's \(size)×\(size) centre crop (ViT: \(vision.layers) layers, width \(vision.width), patch \(vision.patchSize))"
            if let quality = options.clip.quality, options.metrics.contains(.clipiqa) {
                text += ", CLIPIQA prompts: \(quality.promptSet?.rawValue ?? "custom") (\(quality.prompts.count) pairs)"
            }
        }
        return text
    }

    /// The sets FID and KID were computed over, and KID's spread, for a folder's footer (nil without them).
    static func setSummary(_ report: Evaluator.Report) -> String? {
        guard let set = report.set else { return nil }
        var text = "\(set.restoredCount) restored vs \(set.referenceCount) reference images"
        if let kid = set.kid { text += "; KID \(number(kid.mean, digits: 6)) ± \(number(kid.standardDeviation, digits: 6)) (subsets of \(kid.subsetSize))" }
        return text
    }

    /// A per-image cell: the value, or "-" for a set-level metric (it has one value per set, in the mean row).
    static func imageCell(_ score: Evaluator.Score, _ metric: MetricName) -> String {
        metric.isSetLevel ? "-" : cell(score.values[metric] ?? .nan)
    }

    static func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    static func left(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }

    /// Aligned text columns: the first left-aligned, the others right-aligned, a rule under the header and above
    /// the last `footerRows` rows (when other rows precede them).
    static func aligned(_ header: [String], _ rows: [[String]], footerRows: Int) -> [String] {
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, text in c == 0 ? pad(text, widths[0]) : left(text, widths[c]) }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        var lines = [line(header), rule] + rows.dropLast(footerRows).map(line)
        // No body rows (FID and KID alone have no per-image rows): one rule is enough.
        if footerRows > 0 { lines += (rows.count > footerRows ? [rule] : []) + rows.suffix(footerRows).map(line) }
        return lines
    }

    static func perImageText(_ report: Evaluator.Report) -> String {
        let metrics = report.options.metrics
        let rows = report.scores.map { score in [score.name] + metrics.map { imageCell(score, $0) } }
            + [["mean"] + metrics.map { cell(report.mean($0)) }]
        var lines = aligned(["image"] + metrics.map(title), rows, footerRows: 1)
        lines.append("\(report.imageCount) image(s), \(conventions(report.options))")
        if let summary = setSummary(report) { lines.append(summary) }
        return lines.joined(separator: "\n")
    }

    static func comparisonText(_ reports: [LabelledReport]) -> String {
        let metrics = reports[0].report.options.metrics
        let rows = reports.map { [$0.label] + metrics.map(cellOfMean($0.report)) + [String($0.report.imageCount)] }
        var lines = aligned(["method"] + metrics.map(title) + ["images"], rows, footerRows: 0)
        lines.append("means over each folder's images, \(conventions(reports[0].report.options))")
        for entry in reports { if let summary = setSummary(entry.report) { lines.append("\(entry.label): \(summary)") } }
        return lines.joined(separator: "\n")
    }

    static func cellOfMean(_ report: Evaluator.Report) -> (MetricName) -> String { { cell(report.mean($0)) } }

    /// A Markdown table cell: `|` escaped.
    static func markdownCell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static func markdownTable(_ header: [String], _ rows: [[String]]) -> [String] {
        ["| " + header.map(markdownCell).joined(separator: " | ") + " |",
         "|" + header.indices.map { $0 == 0 ? "---|" : "---:|" }.joined()]
            + rows.map { "| " + $0.joined(separator: " | ") + " |" }
    }

    static func perImageMarkdown(_ report: Evaluator.Report) -> String {
        let metrics = report.options.metrics
        let rows = report.scores.map { score in [markdownCell(score.name)] + metrics.map { imageCell(score, $0) } }
            + [["**mean**"] + metrics.map { "**\(cell(report.mean($0)))**" }]
        return (markdownTable(["image"] + metrics.map(title), rows)
            + ["", "\(report.imageCount) image(s), \(conventions(report.options))."]
            + (setSummary(report).map { ["", "\($0)."] } ?? [])).joined(separator: "\n")
    }

    static func comparisonMarkdown(_ reports: [LabelledReport]) -> String {
        let metrics = reports[0].report.options.metrics
        // The best mean of each column (ties all bold); NaN never wins.
        let best: [MetricName: Double] = Dictionary(uniqueKeysWithValues: metrics.compactMap { metric in
            let values = reports.map { $0.report.mean(metric) }.filter { !$0.isNaN }
            guard let top = metric.higherIsBetter ? values.max() : values.min() else { return nil }
            return (metric, top)
        })
        let rows = reports.map { labelled in
            [markdownCell(labelled.label)] + metrics.map { metric in
                let value = labelled.report.mean(metric)
                return value == best[metric] && reports.count > 1 ? "**\(cell(value))**" : cell(value)
            } + [String(labelled.report.imageCount)]
        }
        return (markdownTable(["method"] + metrics.map(title) + ["images"], rows)
            + ["", "Means over each folder's images, \(conventions(reports[0].report.options)); best in bold."]).joined(separator: "\n")
    }

    /// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }


    /// One row per image and a `mean` row; with several folders, a leading `label` column; with PSNR or SSIM, a
    /// trailing `y_channel` column: the `--y-channel` convention they compared (`basicsr`, `pyiqa`), or `none` (RGB).
    static func csv(_ reports: [LabelledReport]) -> String {
        let options = reports[0].report.options
        let metrics = options.metrics
        let labelled = reports.count > 1
        let channelField = metrics.contains(where: { $0 == .psnr || $0 == .ssim }) ? "," + (options.region.yChannel?.rawValue ?? "none") : ""
        var out = (labelled ? "label," : "") + "image," + metrics.map(\.rawValue).joined(separator: ",")
            + (channelField.isEmpty ? "" : ",y_channel") + "\n"
        for entry in reports {
            let prefix = labelled ? csvField(entry.label) + "," : ""
            for score in entry.report.scores {
                // A set-level metric has no per-image value: an empty field.
                out += prefix + csvField(score.name) + ","
                    + metrics.map { $0.isSetLevel ? "" : number(score.values[$0] ?? .nan, digits: 6) }.joined(separator: ",")
                    + channelField + "\n"
            }
            out += prefix + "mean," + metrics.map { number(entry.report.mean($0), digits: 6) }.joined(separator: ",")
                + channelField + "\n"
        }
        return out
    }

    /// The JSON form of one folder's report; non-finite values are null.
    static func jsonObject(_ entry: LabelledReport) -> [String: Any] {
        let report = entry.report
        func value(_ v: Double?) -> Any { v.map { $0.isFinite ? $0 as Any : NSNull() } ?? NSNull() }
        let metrics = report.options.metrics
        var object: [String: Any] = [
            "label": entry.label,
            "metrics": metrics.map(\.rawValue),
            "y_channel": report.options.region.yChannel.map { $0.rawValue as Any } ?? NSNull(),
            "conventions": conventions(report.options),
            "crop_border": report.options.region.cropBorder,
            "images": report.scores.map { score in
                var image: [String: Any] = ["name": score.name, "restored": score.restoredPath, "reference": value(nil)]
                if let reference = score.referencePath { image["reference"] = reference }
                for metric in metrics where !metric.isSetLevel { image[metric.rawValue] = value(score.values[metric]) }
                return image
            },
            "mean": Dictionary(uniqueKeysWithValues: metrics.map { ($0.rawValue, value(report.mean($0))) }),
            "unpaired_restored": report.unpairedRestored,
            "unpaired_reference": report.unpairedReference,
            "skipped": report.skipped,
        ]
        if metrics.contains(.lpips), let lpips = report.options.learned.lpips { object["lpips_net"] = lpips.network.rawValue }
        if let set = report.set {
            var summary: [String: Any] = ["restored_images": set.restoredCount, "reference_images": set.referenceCount]
            for (metric, v) in set.values { summary[metric.rawValue] = value(v) }
            if let kid = set.kid {
                summary["kid_std"] = value(kid.standardDeviation)
                summary["kid_subset_size"] = kid.subsetSize
                summary["kid_subsets"] = report.options.kid.subsets
            }
            object["set"] = summary
        }
        return object
    }

    static func serialised(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
