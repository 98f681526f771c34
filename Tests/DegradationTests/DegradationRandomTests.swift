import Degradation
import XCTest

/// The seeded random source: reproducible, independent per image, with the right moments.
final class DegradationRandomTests: XCTestCase {
    func testSameSeedAndNameGiveTheSameStreamAndOtherNamesDiffer() {
        var a = DegradationRandom(seed: 42, name: "0001.png"), b = DegradationRandom(seed: 42, name: "0001.png")
        var c = DegradationRandom(seed: 42, name: "0002.png"), d = DegradationRandom(seed: 43, name: "0001.png")
        let sa = (0..<16).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<16).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<16).map { _ in c.next() })
        XCTAssertNotEqual(sa, (0..<16).map { _ in d.next() })
    }

    /// Uniform on [0, 1): mean 1/2 and variance 1/12; normal: mean 0, variance 1, kurtosis 3 (4σ bounds, n = 200,000).
    func testMomentsMatchTheDistributions() {
        var random = DegradationRandom(seed: 7)
        let n = 200_000
        let u = (0..<n).map { _ in random.unit() }
        let mean = u.reduce(0, +) / Double(n)
        XCTAssertEqual(mean, 0.5, accuracy: 4 * (1.0 / 12 / Double(n)).squareRoot())
        let variance = u.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        XCTAssertEqual(variance, 1.0 / 12, accuracy: 4 * (1.0 / 180 / Double(n)).squareRoot())
        let z = (0..<n).map { _ in random.normal() }
        let zMean = z.reduce(0, +) / Double(n)
        let zVar = z.map { $0 * $0 }.reduce(0, +) / Double(n)
        let kurtosis = z.map { $0 * $0 * $0 * $0 }.reduce(0, +) / Double(n)
        XCTAssertEqual(zMean, 0, accuracy: 4 / Double(n).squareRoot())
        XCTAssertEqual(zVar, 1, accuracy: 4 * (2 / Double(n)).squareRoot())
        XCTAssertEqual(kurtosis, 3, accuracy: 4 * (96 / Double(n)).squareRoot())
    }

    /// `choice(weights:)` frequencies within 4σ of the Real-ESRGAN kernel probabilities.
    func testChoiceFollowsTheWeights() {
        var random = DegradationRandom(seed: 11)
        let weights = [0.45, 0.25, 0.12, 0.03, 0.12, 0.03]
        let n = 100_000
        var counts = [Int](repeating: 0, count: weights.count)
        for _ in 0..<n { counts[random.choice(weights: weights) ?? -1] += 1 }
        for (count, p) in zip(counts, weights) {
            XCTAssertEqual(Double(count) / Double(n), p, accuracy: 4 * (p * (1 - p) / Double(n)).squareRoot())
        }
        XCTAssertNil(random.choice(weights: [0, 0]))
    }
}
