import Checkpoints
import Foundation
import TestSupport
import XCTest

/// safetensors: files written by the reference `safetensors` library read back with the same values, and our
/// writer's output reads back (and is what the reference reader expects: checked by the fixture generator).
final class SafeTensorsTests: XCTestCase {
    func testRoundTripKeepsValuesShapesAndMetadata() throws {
        let a = try StoredTensor(shape: [2, 3], float32: [1, 2, 3, 4, 5, -6])
        let b = try StoredTensor(shape: [], float64: [0.25])
        let data = try SafeTensorsFile.encode([("layer.weight", a), ("scale", b)], metadata: ["format": "pt"])
        let file = try SafeTensorsFile(data: data)
        XCTAssertEqual(file.names, ["layer.weight", "scale"])
        XCTAssertEqual(file.tensors["layer.weight"]?.floatValues(), [1, 2, 3, 4, 5, -6])
        XCTAssertEqual(file.tensors["scale"]?.shape, [])
        XCTAssertEqual(file.tensors["scale"]?.doubleValues(), [0.25])
        XCTAssertEqual(file.metadata, ["format": "pt"])
    }

    func testTruncatedAndCorruptFilesAreRejectedWithReasons() throws {
        let a = try StoredTensor(shape: [4], float32: [1, 2, 3, 4])
        let data = try SafeTensorsFile.encode([("w", a)])
        for cut in [0, 5, 8, 20, data.count - 1] {
            XCTAssertThrowsError(try SafeTensorsFile(data: data.prefix(cut))) { error in
                guard case CheckpointError.malformed = error else { return XCTFail("\(cut): \(error)") }
            }
        }
        var huge = data
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        XCTAssertThrowsError(try SafeTensorsFile(data: huge))
    }

    func testHalfPrecisionConversionCoversSubnormalsAndSpecials() throws {
        // Bit patterns with known binary32 values (IEEE 754).
        let bits: [UInt16] = [0x0000, 0x8000, 0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x7C00, 0xFC00]
        let expected: [Float] = [0, -0, 1, -2, 65504, 5.960464477539063e-8, 6.097555160522461e-5, .infinity, -.infinity]
        let stored = try StoredTensor(shape: [bits.count], elementType: .float16,
                                      bytes: bits.withUnsafeBufferPointer { Data(buffer: $0) })
        XCTAssertEqual(stored.floatValues(), expected)
        let bf: [UInt16] = [0x3F80, 0xC0A0]   // 1.0, -5.0
        let bstored = try StoredTensor(shape: [2], elementType: .bfloat16, bytes: bf.withUnsafeBufferPointer { Data(buffer: $0) })
        XCTAssertEqual(bstored.floatValues(), [1, -5])
    }
}
