import Checkpoints
import Foundation
import XCTest

/// `StoredTensor.isFinite`, which reads the stored bytes in place (vector lanes, then a scalar tail): one NaN or
/// infinity anywhere, in a lane or in the tail, of every floating element type, makes the tensor not finite.
final class StoredTensorFinitenessTests: XCTestCase {
    func testFloat32AndFloat64FindEveryNonFiniteValueWhereverItIs() throws {
        for count in [1, 7, 8, 9, 13, 64] {
            XCTAssertTrue(try StoredTensor(shape: [count], float32: (0..<count).map { Float($0) - 3.5 }).isFinite)
            XCTAssertTrue(try StoredTensor(shape: [count], float64: (0..<count).map { Double($0) * 1e300 }).isFinite)
            for position in Set([0, count / 2, count - 1]) {
                for bad in [Float.nan, .infinity, -.infinity] {
                    var values = [Float](repeating: 1, count: count)
                    values[position] = bad
                    XCTAssertFalse(try StoredTensor(shape: [count], float32: values).isFinite, "float32 \(bad) at \(position) of \(count)")
                    var wide = [Double](repeating: -2, count: count)
                    wide[position] = Double(bad)
                    XCTAssertFalse(try StoredTensor(shape: [count], float64: wide).isFinite, "float64 \(bad) at \(position) of \(count)")
                }
            }
        }
        // The largest finite values stay finite (x·0 = 0 for them).
        XCTAssertTrue(try StoredTensor(shape: [9], float32: [Float](repeating: .greatestFiniteMagnitude, count: 9)).isFinite)
    }

    func testHalfPrecisionPatternsOfInfinityAndNaN() throws {
        func tensor(_ type: StoredElementType, _ bits: [UInt16]) throws -> StoredTensor {
            try StoredTensor(shape: [bits.count], elementType: type, bytes: bits.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) })
        }
        // binary16: 0x7BFF is the largest finite, 0x7C00 +∞, 0xFE00 a negative NaN.
        XCTAssertTrue(try tensor(.float16, [0x3C00, 0x7BFF, 0xFBFF, 0x0001]).isFinite)
        XCTAssertFalse(try tensor(.float16, [0x3C00, 0x7C00]).isFinite)
        XCTAssertFalse(try tensor(.float16, [0xFE00, 0x3C00]).isFinite)
        // bfloat16: 0x7F7F is the largest finite, 0x7F80 +∞, 0xFFC0 a NaN.
        XCTAssertTrue(try tensor(.bfloat16, [0x3F80, 0x7F7F, 0x0001]).isFinite)
        XCTAssertFalse(try tensor(.bfloat16, [0x3F80, 0x7F80]).isFinite)
        XCTAssertFalse(try tensor(.bfloat16, [0xFFC0]).isFinite)
        // Integer tensors are always finite.
        XCTAssertTrue(try StoredTensor(shape: [2], elementType: .int32, bytes: Data(repeating: 0xFF, count: 8)).isFinite)
    }
}
