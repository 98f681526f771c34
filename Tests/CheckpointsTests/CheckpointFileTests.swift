import Checkpoints
import Foundation
import TestSupport
import XCTest

/// Format sniffing, and the refusals that tell the user what to do.
final class CheckpointFileTests: XCTestCase {
    func thrownError(by body: @autoclosure () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> CheckpointError? {
        do {
            _ = try body()
            XCTFail("no error", file: file, line: line)
        } catch let error as CheckpointError {
            return error
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
        }
        return nil
    }

    func testFormatsAreSniffedFromTheFirstBytes() throws {
        let cases: [(String, CheckpointFormat)] = [
            ("state_dict.pth", .torchZip), ("state_dict_zip64.pth", .torchZip), ("state_dict.safetensors", .safetensors),
            ("legacy.pth", .legacyTorch), ("malicious_os_system.pth", .torchZip),
        ]
        for (name, format) in cases {
            XCTAssertEqual(CheckpointFormat.sniff(try Data(contentsOf: ExpectedCheckpoints.url(name))), format, name)
        }
        XCTAssertNil(CheckpointFormat.sniff(Data("hello world, not weights".utf8)))
        XCTAssertNil(CheckpointFormat.sniff(Data()))
    }

    /// A legacy file is read (see `LegacyCheckpointTests`); this one holds no tensors, which a state dict needs.
    func testLegacyTorchFileWithoutTensorsIsNoStateDict() {
        let path = ExpectedCheckpoints.path("legacy.pth")
        guard case let .unsupported(file, detail)? = thrownError(by: try CheckpointFile.load(URL(fileURLWithPath: path))) else {
            return XCTFail("not unsupported")
        }
        XCTAssertEqual(file, path)
        XCTAssertTrue(detail.contains("no dictionary of tensors"), detail)
    }

    func testDeflatedArchivesAreRefusedByName() {
        guard case let .unsupported(_, detail)? = thrownError(by: try CheckpointFile.load(ExpectedCheckpoints.url("state_dict_deflated.pth"))) else {
            return XCTFail("not unsupported")
        }
        XCTAssertTrue(detail.contains("deflate-compressed"), detail)
        XCTAssertTrue(detail.contains("data.pkl"), detail)
    }

    func testOtherInputsGiveTypedErrorsNamingTheFile() throws {
        guard case let .malformed(file, _)? = thrownError(by: try CheckpointFile.load(data: Data(), name: "empty.pth")) else {
            return XCTFail("not malformed")
        }
        XCTAssertEqual(file, "empty.pth")
        guard case let .unsupported(_, detail)? = thrownError(by: try CheckpointFile.load(data: Data("GIF89a....".utf8), name: "x.gif")) else {
            return XCTFail("not unsupported")
        }
        XCTAssertTrue(detail.contains("47 49 46 38"), detail)
        guard case .io? = thrownError(by: try CheckpointFile.load(URL(fileURLWithPath: "/nonexistent/weights.pth"))) else {
            return XCTFail("not io")
        }
        // A zip without data.pkl (here, an empty archive).
        guard case let .malformed(_, message)? = thrownError(by: try CheckpointFile.load(data: TorchArchiveBuilder.zip([]), name: "e.zip")) else {
            return XCTFail("not malformed")
        }
        XCTAssertTrue(message.contains("data.pkl"), message)
        // A checkpoint whose root is a bare tensor has no state dict.
        let pickle = Op.proto2 + Op.tensor(key: "0", numel: 1, offset: 0, size: [], stride: []) + Op.stop
        let archive = TorchArchiveBuilder.archive(pickle: pickle, storages: ["0": [Float(3)].bytes])
        let checkpoint = try TorchCheckpoint(data: archive, name: "t.pth")
        XCTAssertEqual(checkpoint.root.tensor?.floatValues(), [3])
        guard case let .unsupported(_, text)? = thrownError(by: try checkpoint.stateDict()) else { return XCTFail("not unsupported") }
        XCTAssertTrue(text.contains("holds a tensor"), text)
    }

    func testZipDirectoryDamageIsMalformed() throws {
        let pickle = Op.proto2 + Op.none + Op.stop
        let archive = [UInt8](TorchArchiveBuilder.archive(pickle: pickle))
        // Two members with the same name.
        let twice = TorchArchiveBuilder.zip([("archive/data.pkl", pickle), ("archive/data.pkl", pickle)])
        guard case let .malformed(_, a)? = thrownError(by: try TorchCheckpoint(data: twice, name: "z")) else { return XCTFail() }
        XCTAssertTrue(a.contains("appears twice"), a)
        // The directory offset pointing past the file.
        var moved = archive
        moved[moved.count - 6] = 0xFF
        moved[moved.count - 5] = 0xFF
        guard case let .malformed(_, b)? = thrownError(by: try TorchCheckpoint(data: Data(moved), name: "z")) else { return XCTFail() }
        XCTAssertTrue(b.contains("outside the file"), b)
        // A member stored with method 12 (bzip2).
        var bzip = archive
        let central = try XCTUnwrap(Data(bzip).range(of: Data([0x50, 0x4B, 0x01, 0x02]))).lowerBound
        bzip[central + 10] = 12
        guard case let .unsupported(_, c)? = thrownError(by: try TorchCheckpoint(data: Data(bzip), name: "z")) else { return XCTFail() }
        XCTAssertTrue(c.contains("method 12"), c)
    }
}
