import Foundation
import TestSupport
@testable import WildTensor
import XCTest

/// The softmax rows inside the engine's attention (`AttentionKernel.softmaxNumerators` and its AVX2 + FMA twin)
/// against a float64 softmax, on lengths around the eight-lane blocks, large and small values, masked (−∞) entries
/// and NaN.
final class AttentionSoftmaxTests: XCTestCase {
    /// The numerators e^(x − max) over their sum, in float64.
    static func reference(_ row: [Float]) -> [Double] {
        let largest = Double(row.max() ?? 0)
        let e = row.map { Foundation.exp(Double($0) - largest) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// Runs `numerators` on a copy of `row` and returns the normalised softmax.
    static func softmax(_ row: [Float], _ numerators: (UnsafeMutablePointer<Float>, Int) -> Float?) -> [Float]? {
        var copy = row
        return copy.withUnsafeMutableBufferPointer { buffer -> [Float]? in
            guard let sum = numerators(buffer.baseAddress!, buffer.count) else { return nil }
            return buffer.map { $0 / sum }
        }
    }

    func testBothPathsMatchAFloat64Softmax() throws {
        var random = TensorRandom(seed: 9)
        var checkedAVX2 = false
        for count in [1, 7, 8, 9, 40, 77, 257, 4_096] {
            for spread: Float in [0.1, 10, 80] {
                var row = random.normal([count]).values.map { $0 * spread }
                if count > 2 { row[count / 2] = -.infinity }  // a masked key
                let expected = Self.reference(row)
                let portable = try XCTUnwrap(Self.softmax(row) { AttentionKernel.softmaxNumerators($0, count: $1) })
                XCTAssertLessThanOrEqual(relativeError(portable, expected), 1e-6, "portable, \(count) values, spread \(spread)")
                if let vectorised = Self.softmax(row, { AttentionKernel.softmaxNumeratorsAVX2($0, count: $1) }) {
                    checkedAVX2 = true
                    XCTAssertLessThanOrEqual(relativeError(vectorised, expected), 1e-6, "AVX2, \(count) values, spread \(spread)")
                }
            }
        }
        if !checkedAVX2 { print("AttentionSoftmaxTests: this CPU has no AVX2 + FMA; the portable path alone was checked") }
    }

    /// A NaN score makes its whole row NaN on both paths, wherever it lies (in the eight-lane part or the tail).
    func testNaNMakesTheRowNaN() {
        for (count, position) in [(16, 3), (19, 18), (5, 0)] {
            var row = [Float](repeating: 0.5, count: count)
            row[position] = .nan
            let portable = Self.softmax(row) { AttentionKernel.softmaxNumerators($0, count: $1) } ?? []
            XCTAssertTrue(portable.allSatisfy(\.isNaN), "portable, NaN at \(position) of \(count)")
            if let vectorised = Self.softmax(row, { AttentionKernel.softmaxNumeratorsAVX2($0, count: $1) }) {
                XCTAssertTrue(vectorised.allSatisfy(\.isNaN), "AVX2, NaN at \(position) of \(count)")
            }
        }
    }
}
