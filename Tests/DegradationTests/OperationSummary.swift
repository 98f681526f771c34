import Degradation
import Foundation
import XCTest

/// What a pipeline did over many draws, summarised as `_degradation_log.summarise` summarises the reference's logs:
/// operation counts per draw (blurs by kernel kind, resizes by filter), degradation texts, consecutive operation
/// pairs, and every numeric parameter's values.
struct OperationSummary {
    private(set) var draws = 0
    private var labelOccurrences: [[String: Int]] = []
    private var pairOccurrences: [[String: Int]] = []
    private(set) var texts: [String: Int] = [:]
    private(set) var values: [String: [Double]] = [:]
    /// Operations the reference leaves out of its logs, or WildIR's that have no reference counterpart.
    let ignored: Set<String>

    init(ignoring ignored: Set<String> = []) { self.ignored = ignored }

    static let noiseParts: Set<String> = ["gaussian_noise", "poisson_noise"]
    static let silent: Set<String> = ["blend", "usm_sharpen"]

    static func label(_ operation: DegradationRecord.Operation) -> String {
        switch operation.name {
        case "blur": if case let .text(kind)? = operation.parameters["kind"] { return "blur:\(kind)" }
        case "resize": if case let .text(filter)? = operation.parameters["filter"] { return "resize:\(filter)" }
        default: break
        }
        return operation.name
    }

    mutating func add(_ record: DegradationRecord) {
        draws += 1
        let operations = record.operations.filter { !ignored.contains($0.name) }
        labelOccurrences.append(operations.reduce(into: [:]) { $0[Self.label($1), default: 0] += 1 })
        let steps = ["^"] + operations.compactMap { op -> String? in
            if Self.noiseParts.contains(op.name) || Self.silent.contains(op.name) { return nil }
            return op.name == "quantise" ? "noise" : op.name
        } + ["$"]
        pairOccurrences.append(zip(steps, steps.dropFirst()).reduce(into: [:]) { $0["\($1.0)>\($1.1)", default: 0] += 1 })
        texts[record.text, default: 0] += 1
        for op in operations {
            for (key, value) in op.parameters {
                if case let .number(number) = value { values["\(op.name).\(key)", default: []].append(number) }
            }
        }
    }

    /// {k: number of draws in which `label` occurred k times}.
    func counts(of label: String) -> [String: Int] {
        labelOccurrences.reduce(into: [:]) { $0[String($1[label] ?? 0), default: 0] += 1 }
    }

    func transitions(of pair: String) -> [String: Int] {
        pairOccurrences.reduce(into: [:]) { $0[String($1[pair] ?? 0), default: 0] += 1 }
    }

    var labels: Set<String> { Set(labelOccurrences.flatMap(\.keys)) }
    var pairs: Set<String> { Set(pairOccurrences.flatMap(\.keys)) }

    /// Compares with a reference summary (`Tools/fixtures/_degradation_log.py`); returns a report line per
    /// comparison, and records a failure for every comparison that rejects.
    /// `texts`: whether the reference records degradation texts (the released Real-ESRGAN code has none).
    func compare(with reference: [String: Any], pipeline: String, texts comparesTexts: Bool = true,
                 file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        var report: [String] = []
        func check(_ what: String, _ result: (statistic: Double, critical: Double, df: Int)?) {
            guard let result else { return }
            report.append(String(format: "%@ χ² %.1f (critical %.1f, df %d)", what, result.statistic, result.critical, result.df))
            XCTAssertLessThan(result.statistic, result.critical, "\(pipeline): \(what) differs from the reference (χ²)",
                              file: file, line: line)
        }
        XCTAssertGreaterThan(draws, 0, file: file, line: line)
        let none = ["0": try XCTUnwrap(reference["draws"] as? Int, file: file, line: line)]  // a label the reference never logged
        if comparesTexts {
            check("degradation texts", PipelineReference.chiSquare(texts, try PipelineReference.counts(reference["texts"])))
        } else {
            XCTAssertNil(reference["texts"], "\(pipeline): the reference has texts; compare them", file: file, line: line)
        }

        let referenceCounts = try XCTUnwrap(reference["operation_counts"] as? [String: Any], file: file, line: line)
        XCTAssertFalse(referenceCounts.isEmpty, file: file, line: line)
        for label in labels.union(referenceCounts.keys).sorted() {
            let theirs = referenceCounts[label].map { try? PipelineReference.counts($0) } ?? nil
            check("operation \(label) per draw", PipelineReference.chiSquare(counts(of: label), theirs ?? none))
        }
        let referencePairs = try XCTUnwrap(reference["transitions"] as? [String: Any], file: file, line: line)
        XCTAssertFalse(referencePairs.isEmpty, file: file, line: line)
        for pair in pairs.union(referencePairs.keys).sorted() {
            let theirs = referencePairs[pair].map { try? PipelineReference.counts($0) } ?? nil
            check("order \(pair) per draw", PipelineReference.chiSquare(transitions(of: pair), theirs ?? none))
        }

        let parameters = try XCTUnwrap(reference["parameters"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(Set(values.keys), Set(parameters.keys), "\(pipeline): the parameters recorded", file: file, line: line)
        for (key, summary) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let ours = values[key], !ours.isEmpty else { continue }
            if let histogram = (summary as? [String: Any])?["histogram"] {
                let mine = ours.reduce(into: [String: Int]()) { $0[String(Int($1)), default: 0] += 1 }
                XCTAssertTrue(ours.allSatisfy { $0 == $0.rounded() }, "\(pipeline): \(key) should be whole numbers", file: file, line: line)
                check("parameter \(key)", PipelineReference.chiSquare(mine, try PipelineReference.counts(histogram)))
            } else {
                let theirs = try PipelineReference.Summary(summary)
                let (d, critical) = PipelineReference.kolmogorovSmirnov(ours, theirs)
                let (difference, z) = PipelineReference.location(ours, theirs)
                report.append(String(format: "parameter %@ KS D %.4f (critical %.4f), mean difference %.4g (z %.2f)",
                                     key, d, critical, difference, z))
                XCTAssertLessThan(d, critical, "\(pipeline): \(key) distribution differs from the reference (KS)", file: file, line: line)
                XCTAssertLessThan(abs(z), PipelineReference.zCritical, "\(pipeline): \(key) mean differs from the reference",
                                  file: file, line: line)
            }
        }
        return report
    }
}
