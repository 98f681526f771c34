@testable import Checkpoints
import Foundation
import TestSupport
import XCTest

/// The format `torch.save` wrote before PyTorch 1.6 (torchvision's 2017 weights), read by the same restricted
/// machine: the same tensors as the zip format, Python 2 strings and `_rebuild_tensor`, and refusals that name
/// the problem.
final class LegacyCheckpointTests: XCTestCase {
    static let tensors: [(name: String, shape: [Int], values: [Float])] = [
        ("features.0.weight", [2, 3], [1, 2, 3, 4, 5, 6]), ("features.0.bias", [2], [-1, 0.5]), ("scalar", [], [7]),
    ]

    func testLegacyStreamHoldsTheSameTensorsAsTheZipFormat() throws {
        let legacy = TorchSaveWriter.data(Self.tensors, legacy: true)
        XCTAssertEqual(CheckpointFormat.sniff(legacy), .legacyTorch)
        let fromLegacy = try CheckpointFile.load(data: legacy, name: "legacy.pth")
        let fromZip = try CheckpointFile.load(data: TorchSaveWriter.data(Self.tensors), name: "zip.pth")
        XCTAssertEqual(fromLegacy.map(\.name), Self.tensors.map(\.name))
        XCTAssertEqual(fromLegacy.map(\.tensor), fromZip.map(\.tensor))
        XCTAssertEqual(fromLegacy.map { $0.tensor.floatValues() }, Self.tensors.map(\.values))
    }

    /// The file PyTorch itself writes with `_use_new_zipfile_serialization=False` (no tensors: legacy storage keys are
    /// memory addresses, so a file with tensors would change on every run; see `Tools/fixtures/checkpoints.py`).
    func testFileWrittenByPyTorchIsRead() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: ExpectedCheckpoints.url("legacy.pth"))
        XCTAssertEqual(checkpoint.root["format"], .string("legacy"))
    }

    /// PyTorch before 0.4 pickled tensors with `_rebuild_tensor(storage, offset, size, stride)`, and Python 2 wrote
    /// `str` as BINSTRING; a transposed view is gathered into C order; the storage lived on a GPU.
    func testPython2StringsOldRebuildAndStridesAreRead() throws {
        let key = Op.shortBinString("w")
        let object = Op.proto2 + Op.emptyDict + Op.mark + key
            + Op.global("torch._utils", "_rebuild_tensor") + Op.mark
            + Op.mark + Op.shortBinString("storage") + Op.global("torch", "FloatStorage") + Op.shortBinString("140234")
            + Op.shortBinString("cuda:0") + Op.int(6) + Op.none + Op.tuple + Op.binPersId
            + Op.int(0) + Op.ints([3, 2]) + Op.ints([1, 3]) + Op.tuple + Op.reduce + Op.setItems + Op.stop
        let data = TorchSaveWriter.legacyStream(object: object, storages: [("140234", [Float]([1, 2, 3, 4, 5, 6]).withUnsafeBytes { Data($0) })])
        let state = try CheckpointFile.load(data: data, name: "old.pth")
        XCTAssertEqual(state.map(\.name), ["w"])
        XCTAssertEqual(state.first?.tensor.shape, [3, 2])
        XCTAssertEqual(state.first?.tensor.floatValues(), [1, 4, 2, 5, 3, 6])
    }

    func testDamagedOrUnsupportedLegacyFilesAreRefusedByName() throws {
        let good = [UInt8](TorchSaveWriter.data(Self.tensors, legacy: true))
        func error(_ bytes: [UInt8]) -> CheckpointError? {
            do { _ = try CheckpointFile.load(data: Data(bytes), name: "bad.pth") } catch let error as CheckpointError { return error } catch {
                XCTFail("untyped \(error)")
            }
            return nil
        }
        guard case let .malformed(_, cut)? = error(Array(good.dropLast(3))) else { return XCTFail("cut file accepted") }
        XCTAssertTrue(cut.contains("ends inside the storage"), cut)
        var wrongMagic = good
        wrongMagic[5] ^= 0xFF
        guard case let .malformed(_, magic)? = error(wrongMagic) else { return XCTFail("wrong magic accepted") }
        XCTAssertTrue(magic.contains("magic number"), magic)
        // A storage view and a forbidden global in the object, and the oldest (tar) format.
        let view = Op.proto2 + Op.emptyDict + Op.mark + Op.string("w") + Op.global("torch._utils", "_rebuild_tensor") + Op.mark
            + Op.mark + Op.string("storage") + Op.global("torch", "FloatStorage") + Op.string("0") + Op.string("cpu") + Op.int(2)
            + Op.mark + Op.string("1") + Op.int(0) + Op.int(1) + Op.tuple + Op.tuple + Op.binPersId
            + Op.int(0) + Op.ints([1]) + Op.ints([1]) + Op.tuple + Op.reduce + Op.setItems + Op.stop
        guard case let .unsupported(_, detail)? = error([UInt8](TorchSaveWriter.legacyStream(object: view, storages: [("0", Data(count: 8))]))) else {
            return XCTFail("view accepted")
        }
        XCTAssertTrue(detail.contains("storage view"), detail)
        let hostile = Op.proto2 + Op.global("os", "system") + Op.string("touch /tmp/x") + Op.tuple1 + Op.reduce + Op.stop
        guard case let .forbiddenGlobal(_, name)? = error([UInt8](TorchSaveWriter.legacyStream(object: hostile, storages: []))) else {
            return XCTFail("os.system accepted")
        }
        XCTAssertEqual(name, "os.system")
        var tar = [UInt8](repeating: 0x80, count: 600)
        tar[1] = 2
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        guard case let .unsupported(_, old)? = error(tar) else { return XCTFail("tar accepted") }
        XCTAssertTrue(old.contains("tar") && old.contains("torch.save(torch.load("), old)
    }
}

extension Op {
    /// `SHORT_BINSTRING`: a Python 2 `str`.
    static func shortBinString(_ s: String) -> [UInt8] { [0x55, UInt8(s.utf8.count)] + Array(s.utf8) }
}
