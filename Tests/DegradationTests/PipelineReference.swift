import Degradation
import Foundation
import Imaging
import TestSupport
import XCTest

/// The statistics that compare a pipeline's draws with a reference pipeline's, read from the summaries the
/// generators write (`Tools/fixtures/_distribution.py`, `_degradation_log.py`): χ² homogeneity tests for counts and
/// discrete parameters, two-sample Kolmogorov–Smirnov tests and Welch location tests for continuous values.
///
/// Both sides are seeded, so every test is deterministic; each comparison rejects at α = 1e-4, so the few dozen
/// comparisons of a pipeline would raise a false alarm for a correct port about once in a few hundred changes of
/// its random streams, while the faults they exist for (a wrong probability, range, order or noise level) sit far
/// beyond their critical values.
enum PipelineReference {
    /// The two-sided normal quantile at α = 1e-4.
    static let zCritical = 3.891
    /// The one-sided normal quantile at α = 1e-4 (for χ² critical values).
    static let zOneSided = 3.719
    /// c(α) of the two-sample Kolmogorov–Smirnov test at α = 1e-4: √(−ln(α/2)/2).
    static let ksCoefficient = 2.225

    /// A distribution summary: count, mean, population variance and the order statistics at probabilities 0, 1/M, …, 1.
    struct Summary {
        let count: Int
        let mean: Double
        let variance: Double
        let quantiles: [Double]

        init(_ json: Any?) throws {
            let object = try XCTUnwrap(json as? [String: Any], "not a distribution summary")
            count = try XCTUnwrap(object["count"] as? Int)
            mean = try XCTUnwrap(object["mean"] as? Double)
            variance = try XCTUnwrap((object["variance"] as? NSNumber)?.doubleValue)
            quantiles = try XCTUnwrap(object["quantiles"] as? [Any]).map { try XCTUnwrap(($0 as? NSNumber)?.doubleValue) }
        }

        /// The reference distribution function at x, within 1/M below the empirical one.
        func cdf(_ x: Double) -> Double {
            // The number of quantiles ≤ x (binary search on the sorted table), less one, over M.
            var (low, high) = (0, quantiles.count)
            while low < high {
                let mid = (low + high) / 2
                if quantiles[mid] <= x { low = mid + 1 } else { high = mid }
            }
            return Double(min(max(low - 1, 0), quantiles.count - 1)) / Double(quantiles.count - 1)
        }
    }

    /// Mean and population variance.
    static func moments(_ values: [Double]) -> (mean: Double, variance: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
    }

    /// The Kolmogorov–Smirnov distance between `ours` and the reference's distribution function, and its critical
    /// value (two-sample at α = 1e-4, plus the 1/M resolution of the reference's quantile table).
    static func kolmogorovSmirnov(_ ours: [Double], _ reference: Summary) -> (d: Double, critical: Double) {
        let sorted = ours.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        var i = 0
        for x in Set(sorted + reference.quantiles).sorted() {
            while i < sorted.count && sorted[i] <= x { i += 1 }
            d = max(d, abs(Double(i) / n - reference.cdf(x)))
        }
        let critical = ksCoefficient * (1 / n + 1 / Double(reference.count)).squareRoot() + 1 / Double(reference.quantiles.count - 1)
        return (d, critical)
    }

    /// Welch's statistic for the difference of means: (difference, z).
    static func location(_ ours: [Double], _ reference: Summary) -> (difference: Double, z: Double) {
        let (mean, variance) = moments(ours)
        let se = (variance / Double(ours.count) + reference.variance / Double(reference.count)).squareRoot()
        return (mean - reference.mean, (mean - reference.mean) / max(se, 1e-12))
    }

    /// The χ² homogeneity statistic of two count vectors over the same categories, categories with an expected count
    /// under 5 merged into one, and its critical value at α = 1e-4 (Wilson–Hilferty); nil when fewer than two
    /// categories remain (nothing to compare).
    static func chiSquare(_ ours: [String: Int], _ reference: [String: Int]) -> (statistic: Double, critical: Double, df: Int)? {
        let categories = Set(ours.keys).union(reference.keys).sorted()
        let (nOurs, nReference) = (Double(ours.values.reduce(0, +)), Double(reference.values.reduce(0, +)))
        guard nOurs > 0, nReference > 0 else { return nil }
        let total = nOurs + nReference
        var kept: [(Double, Double)] = [], merged = (0.0, 0.0)
        for category in categories {
            let (a, b) = (Double(ours[category] ?? 0), Double(reference[category] ?? 0))
            if min(nOurs, nReference) * (a + b) / total < 5 { merged = (merged.0 + a, merged.1 + b) } else { kept.append((a, b)) }
        }
        if merged.0 + merged.1 > 0 {
            if min(nOurs, nReference) * (merged.0 + merged.1) / total >= 5 || kept.isEmpty {
                kept.append(merged)
            } else {
                // Too small on its own: folded into the smallest kept category.
                let index = kept.indices.min { kept[$0].0 + kept[$0].1 < kept[$1].0 + kept[$1].1 }!
                kept[index] = (kept[index].0 + merged.0, kept[index].1 + merged.1)
            }
        }
        guard kept.count >= 2 else { return nil }
        var statistic = 0.0
        for (a, b) in kept {
            let column = a + b
            let (ea, eb) = (nOurs * column / total, nReference * column / total)
            statistic += (a - ea) * (a - ea) / ea + (b - eb) * (b - eb) / eb
        }
        let df = Double(kept.count - 1)
        let h = 2 / (9 * df)
        return (statistic, df * pow(1 - h + zOneSided * h.squareRoot(), 3), kept.count - 1)
    }

    /// Integer-keyed counts from a fixture's JSON object.
    static func counts(_ json: Any?) throws -> [String: Int] {
        try XCTUnwrap(json as? [String: Any], "not a count table").mapValues { try XCTUnwrap($0 as? Int) }
    }

    /// PSNR(a, b) of the 8-bit renderings (round half to even), capped at `cap` dB as the generators cap it.
    static func psnr(_ a: Image, _ b: Image, cap: Double) throws -> Double {
        let (x, y) = (a.interleaved8(), b.interleaved8())
        guard x.count == y.count else { throw DegradationError.invalidParameter("size mismatch") }
        var sum = 0.0
        for (p, q) in zip(x, y) {
            let d = Double(Int(p) - Int(q))
            sum += d * d
        }
        return sum == 0 ? cap : min(cap, 10 * log10(255 * 255 * Double(x.count) / sum))
    }

    /// The centre `width × height` crop of a test photo (the generators crop the same pixels).
    static func centreCrop(_ photo: String, width: Int, height: Int) throws -> Image {
        let image = try Image(contentsOf: Fixtures.path("images", "\(photo).png"))
        return try image.cropped(x: (image.width - width) / 2, y: (image.height - height) / 2, width: width, height: height)
    }
}
