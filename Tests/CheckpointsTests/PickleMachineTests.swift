import Checkpoints
import Foundation
import XCTest

/// The pickle machine on hand-written pickles: data opcodes, shared containers, and every limit.
final class PickleMachineTests: XCTestCase {
    func load(_ pickle: [UInt8], storages: [String: [UInt8]] = [:]) throws -> PickleValue {
        try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: pickle, storages: storages), name: "test.pth").root
    }

    func assertMalformed(_ pickle: [UInt8], storages: [String: [UInt8]] = [:], _ fragment: String,
                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(pickle, storages: storages), file: file, line: line) { error in
            guard case let CheckpointError.malformed(name, detail) = error else {
                return XCTFail("expected malformed, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(name, "test.pth", file: file, line: line)
            XCTAssertTrue(detail.contains(fragment), "'\(detail)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testScalarsStringsAndContainers() throws {
        let pickle = Op.proto2 + Op.emptyList + Op.mark
            + Op.int(-7) + [0x4B, 200] + [0x4D, 0x34, 0x12] + [0x47] + withUnsafeBytes(of: (2.5).bitPattern.bigEndian, Array.init)
            + [0x88, 0x89] + Op.none + Op.string("héllo") + [0x8C, 2, 0x61, 0x62] + [0x43, 2, 0, 255]
            + Op.int(1) + Op.int(2) + Op.tuple2
            + [0x65] + Op.stop
        XCTAssertEqual(try load(pickle), .list([
            .int(-7), .int(200), .int(0x1234), .float(2.5), .bool(true), .bool(false), .none, .string("héllo"),
            .string("ab"), .bytes(Data([0, 255])), .tuple([.int(1), .int(2)]),
        ]))
    }

    func testLongIntegers() throws {
        let cases: [([UInt8], PickleValue)] = [
            ([], .int(0)), ([0xFF], .int(-1)), ([0x80, 0x00], .int(128)), ([0x7F], .int(127)), ([0x80], .int(-128)),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], .int(Int.max)),
            ([0, 0, 0, 0, 0, 0, 0, 0x80], .int(Int.min)),
            ([5, 0, 0, 0, 0, 0, 0, 0, 0, 0], .int(5)),
            ([0, 0, 0, 0, 0, 0, 0, 0x80, 0], .bigInteger([0, 0, 0, 0, 0, 0, 0, 0x80, 0])),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF], .bigInteger([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF])),
        ]
        for (bytes, value) in cases {
            XCTAssertEqual(try load(Op.proto2 + Op.long1(bytes) + Op.stop), value, "\(bytes)")
        }
    }

    func testDictionaryFilledAfterMemoizingIsSharedFilled() throws {
        // root = {'a': d, 'b': d}, then d['x'] = 1 through the memo: both entries see it (Python's semantics).
        let pickle = Op.proto2 + Op.emptyDict + Op.mark + Op.string("a") + Op.emptyDict + Op.binPut(1)
            + Op.string("b") + Op.binGet(1) + Op.setItems
            + Op.binGet(1) + Op.string("x") + Op.int(1) + Op.setItem + [0x30] + Op.stop
        let filled = PickleValue.dict([.init(key: .string("x"), value: .int(1))])
        XCTAssertEqual(try load(pickle), .dict([.init(key: .string("a"), value: filled), .init(key: .string("b"), value: filled)]))
    }

    func testRepeatedKeyKeepsItsPlaceWithTheLastValue() throws {
        let pickle = Op.proto2 + Op.emptyDict + Op.mark + Op.string("a") + Op.int(1) + Op.string("b") + Op.int(2)
            + Op.string("a") + Op.int(3) + Op.setItems + Op.stop
        XCTAssertEqual(try load(pickle), .dict([.init(key: .string("a"), value: .int(3)), .init(key: .string("b"), value: .int(2))]))
        assertMalformed(Op.proto2 + Op.emptyDict + Op.emptyList + Op.int(1) + Op.setItem + Op.stop, "cannot be a key")
    }

    func testNestingUpToTheLimitIsAcceptedAndBeyondRefused() throws {
        func nested(_ depth: Int) -> [UInt8] {
            Op.proto2 + Array(repeating: Op.emptyList, count: depth).flatMap { $0 }
                + Array(repeating: Op.append, count: depth - 1).flatMap { $0 } + Op.stop
        }
        var value = try load(nested(1000))
        var depth = 0
        while case let .list(items) = value {
            depth += 1
            value = items.first ?? .none
        }
        XCTAssertEqual(depth, 1000)
        assertMalformed(nested(1001), "more than 1000 deep")
    }

    func testDeepestAcceptedNestingFitsASecondaryThreadStack() throws {
        // Conversion recurses once per level; 1000 levels must fit the 512 KiB stack of a secondary thread.
        let pickle = Op.proto2 + Array(repeating: Op.emptyList, count: 1000).flatMap { $0 }
            + Array(repeating: Op.append, count: 999).flatMap { $0 } + Op.stop
        let archive = TorchArchiveBuilder.archive(pickle: pickle)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var loaded = false
        let thread = Thread {
            loaded = (try? TorchCheckpoint(data: archive, name: "deep.pth")) != nil
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        XCTAssertTrue(loaded)
    }

    func testMillionDeepStructuresAreRefusedWithoutExhaustingTheStack() {
        // One byte per level: a tuple of a tuple of … a million deep, and a list chain built through the memo.
        assertMalformed(Op.proto2 + Op.none + Array(repeating: Op.tuple1, count: 1_000_000).flatMap { $0 } + Op.stop, "deep")
        // Each new list is memoized and appended to the previous one before it is filled: depth known only later.
        var chain = Op.proto2 + Op.emptyList + Op.binPut(0)
        for _ in 0..<300_000 { chain += Op.emptyList + Op.binPut(1) + Op.append + [0x30] + Op.binGet(1) }
        chain += [0x30] + Op.binGet(0) + Op.stop
        assertMalformed(chain, "deep")
    }

    func testStructureContainingItselfIsRefused() {
        let pickle = Op.proto2 + Op.emptyList + Op.binPut(0) + Op.binGet(0) + Op.append + Op.stop
        assertMalformed(pickle, "contains itself")
    }

    /// L0 = [], Lk = [Lk−1, Lk−1]: 64 containers but 2^64 paths, so a conversion that walked paths instead of
    /// containers would never finish; this one ends, with the structure intact along a spine of all 64 levels.
    func testSharedContainersConvertInLinearTime() throws {
        var pickle = Op.proto2 + Op.emptyList + Op.binPut(0)
        for k in 1...64 {
            pickle += Op.emptyList + Op.binGet(UInt8(k - 1)) + Op.append + Op.binGet(UInt8(k - 1)) + Op.append + Op.binPut(UInt8(k))
        }
        pickle += Op.stop
        var node = try load(pickle)
        for level in stride(from: 64, to: 0, by: -1) {
            guard case let .list(children) = node else { return XCTFail("level \(level) is not a list") }
            XCTAssertEqual(children.count, 2, "level \(level)")
            node = children[level % 2]
        }
        XCTAssertEqual(node, .list([]), "L0")
    }

    func testSharedDictionariesCannotFlattenIntoBillionsOfTensors() throws {
        // D0 = {'w': tensor}, Dk = {'a': Dk-1, 'b': Dk-1}: 2^40 tensors once flattened.
        var pickle = Op.proto2 + Op.emptyDict + Op.string("w") + Op.tensor(key: "0", numel: 1, offset: 0, size: [], stride: []) + Op.setItem + Op.binPut(0)
        for k in 1...40 {
            pickle += Op.emptyDict + Op.mark + Op.string("a") + Op.binGet(UInt8(k - 1)) + Op.string("b") + Op.binGet(UInt8(k - 1))
                + Op.setItems + Op.binPut(UInt8(k))
        }
        pickle += Op.stop
        let checkpoint = try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: pickle, storages: ["0": [Float(1)].bytes]), name: "test.pth")
        XCTAssertThrowsError(try checkpoint.stateDict()) { error in
            guard case let CheckpointError.malformed(_, detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("more than"), detail)
        }
    }

    func testDamagedPicklesAreMalformedWithTheirPlace() {
        assertMalformed(Op.proto2 + Op.tuple1 + Op.stop, "underflow at byte 2")
        assertMalformed(Op.proto2 + Op.binGet(9) + Op.stop, "memo entry 9")
        assertMalformed(Op.proto2 + Op.longBinGet(4_000_000_000) + Op.stop, "memo entry 4000000000")
        assertMalformed(Op.proto2 + [0xFF] + Op.stop, "unknown pickle opcode 0xff at byte 2")
        assertMalformed(Op.proto2 + Op.none, "cut short")
        assertMalformed(Op.proto2 + [0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x41] + Op.stop, "runs past its end")
        assertMalformed(Op.proto2 + [0x8D] + Array(repeating: 0xFF, count: 8) + Op.stop, "runs past its end")
        assertMalformed(Op.proto2 + [0x58, 2, 0, 0, 0, 0xC3, 0x28] + Op.stop, "not UTF-8")
        assertMalformed(Op.proto2 + Op.tuple + Op.stop, "MARK")
        assertMalformed(Op.proto2 + Op.mark + Op.none + Op.setItems + Op.stop, "odd number")
        assertMalformed(Op.proto2 + Op.emptyList + Op.string("k") + Op.int(1) + Op.setItem + Op.stop, "expects a dict")
        assertMalformed(Op.proto2 + [0x63] + Array(repeating: 0x41, count: 300) + Op.stop, "no name line")
        // Items below a MARK are out of reach until the mark is closed.
        assertMalformed(Op.proto2 + Op.none + Op.mark + Op.tuple1 + Op.stop, "underflow")
    }

    // MARK: Tensors

    func testTensorViewsAreCheckedAgainstTheirStorage() {
        let storage = ["0": [Float](repeating: 1, count: 4).bytes]
        func tensor(numel: Int32 = 4, offset: Int32 = 0, size: [Int32], stride: [Int32], type: String = "FloatStorage") -> [UInt8] {
            Op.stateDict([("w", Op.tensor(key: "0", storageType: type, numel: numel, offset: offset, size: size, stride: stride))])
        }
        assertMalformed(tensor(size: [5], stride: [1]), storages: storage, "outside its storage")
        assertMalformed(tensor(offset: 4, size: [1], stride: [1]), storages: storage, "outside its storage")
        assertMalformed(tensor(offset: 5, size: [0], stride: [1]), storages: storage, "starts outside")
        assertMalformed(tensor(size: [2, 2], stride: [3, 1]), storages: storage, "outside its storage")
        assertMalformed(tensor(size: [2], stride: [-1]), storages: storage, "negative")
        assertMalformed(tensor(offset: -1, size: [1], stride: [1]), storages: storage, "negative")
        assertMalformed(tensor(size: [2, 2], stride: [1]), storages: storage, "mismatched")
        assertMalformed(tensor(size: [Int32.max, Int32.max, Int32.max], stride: [0, 0, 0]), storages: storage, "too many")
        assertMalformed(tensor(size: [2, 0x4000_0000], stride: [0x4000_0000, 0x4000_0000]), storages: storage, "outside")
        // Stride 0 may repeat one element, but not into more bytes than the file holds.
        assertMalformed(tensor(size: [10_000_000], stride: [0]), storages: storage, "expand")
        // The storage record must hold exactly numel elements of its type.
        assertMalformed(tensor(numel: 5, size: [4], stride: [1]), storages: storage, "record has 16 bytes")
        assertMalformed(tensor(numel: 2, size: [2], stride: [1], type: "DoubleStorage"), storages: ["0": []], "record has 0 bytes")
        assertMalformed(tensor(numel: Int32.max, size: [1], stride: [1], type: "DoubleStorage"), storages: storage, "record has 16 bytes")
        assertMalformed(tensor(size: [4], stride: [1]), storages: [:], "no data record")
    }

    func testStridedViewIsGatheredInCOrder() throws {
        // Storage 0…11; a 3×2 view at offset 1 with strides (1, 3) reads 1,4 / 2,5 / 3,6.
        let storage = ["0": (0..<12).map(Float.init).bytes]
        let pickle = Op.stateDict([("w", Op.tensor(key: "0", numel: 12, offset: 1, size: [3, 2], stride: [1, 3])),
                                   ("e", Op.tensor(key: "0", numel: 12, offset: 11, size: [2, 1, 3], stride: [0, 7, 0])),
                                   ("z", Op.tensor(key: "0", numel: 12, offset: 12, size: [0, 3], stride: [3, 1]))])
        let checkpoint = try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: pickle, storages: storage), name: "test.pth")
        let tensors = try checkpoint.stateDict()
        XCTAssertEqual(tensors.map(\.name), ["w", "e", "z"])
        XCTAssertEqual(tensors[0].tensor.shape, [3, 2])
        XCTAssertEqual(tensors[0].tensor.floatValues(), [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(tensors[1].tensor.floatValues(), [Float](repeating: 11, count: 6))
        XCTAssertEqual(tensors[2].tensor.shape, [0, 3])
    }

    func testStorageTypesMapToElementTypes() throws {
        let cases: [(String, StoredElementType, Int)] = [
            ("FloatStorage", .float32, 4), ("HalfStorage", .float16, 2), ("BFloat16Storage", .bfloat16, 2),
            ("DoubleStorage", .float64, 8), ("LongStorage", .int64, 8), ("IntStorage", .int32, 4),
            ("ShortStorage", .int16, 2), ("CharStorage", .int8, 1), ("ByteStorage", .uint8, 1), ("BoolStorage", .bool, 1),
        ]
        for (name, type, width) in cases {
            let pickle = Op.stateDict([("w", Op.tensor(key: "0", storageType: name, numel: 3, offset: 0, size: [3], stride: [1]))])
            let root = try load(pickle, storages: ["0": [UInt8](repeating: 1, count: 3 * width)])
            XCTAssertEqual(root["w"]?.tensor?.elementType, type, name)
        }
    }

    func testLazyNegationIsRefused() {
        let metadata = Op.emptyDict + Op.string("neg") + [0x88] + Op.setItem
        let tensor = Op.global("torch._utils", "_rebuild_tensor_v2") + Op.mark
            + Op.mark + Op.string("storage") + Op.global("torch", "FloatStorage") + Op.string("0") + Op.string("cpu") + Op.int(1) + Op.tuple
            + Op.binPersId + Op.int(0) + Op.emptyTuple + Op.emptyTuple + Op.newFalse + Op.emptyDict + metadata + Op.tuple + Op.reduce
        XCTAssertThrowsError(try load(Op.stateDict([("w", tensor)]), storages: ["0": [Float(1)].bytes])) { error in
            guard case let CheckpointError.unsupported(_, detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("'neg'"), detail)
        }
    }

    func testBigEndianStoragesAreUnsupported() {
        let archive = TorchArchiveBuilder.archive(pickle: Op.proto2 + Op.none + Op.stop, byteorder: "big")
        XCTAssertThrowsError(try TorchCheckpoint(data: archive, name: "test.pth")) { error in
            guard case let CheckpointError.unsupported(_, detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("big"), detail)
        }
    }

    func testChecksumsCatchDamagedStorages() throws {
        let pickle = Op.stateDict([("w", Op.tensor(key: "0", numel: 2, offset: 0, size: [2], stride: [1]))])
        var archive = TorchArchiveBuilder.archive(pickle: pickle, storages: ["0": [Float(1), 2].bytes])
        let at = try XCTUnwrap(archive.range(of: Data([Float(1), 2].bytes))).lowerBound
        archive[at + 3] ^= 0x01
        XCTAssertThrowsError(try TorchCheckpoint(data: archive, name: "test.pth")) { error in
            guard case let CheckpointError.malformed(_, detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("'archive/data/0' is damaged"), detail)
        }
        let unchecked = try TorchCheckpoint(data: archive, name: "test.pth", verifyChecksums: false)
        XCTAssertNotEqual(unchecked.root["w"]?.tensor?.floatValues(), [1, 2])
    }
}
