import Checkpoints
import Foundation
import TestSupport
import XCTest

/// Pickles that would run code under Python's unpickler are refused by name, and nothing runs.
final class MaliciousCheckpointTests: XCTestCase {
    func assertForbidden(_ body: @autoclosure () throws -> Any, _ global: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case let CheckpointError.forbiddenGlobal(_, name) = error else {
                return XCTFail("expected forbiddenGlobal(\(global)), got \(error)", file: file, line: line)
            }
            XCTAssertEqual(name, global, file: file, line: line)
            XCTAssertTrue("\(error)".contains(global), file: file, line: line)
        }
    }

    func testOsSystemAndBuiltinsEvalFixturesAreRefusedAndRunNothing() throws {
        let canary = try ExpectedCheckpoints().canary
        XCTAssertTrue(canary.hasPrefix("/tmp/wildir-pwned-"))
        try? FileManager.default.removeItem(atPath: canary)
        let osSystem = ExpectedCheckpoints.url("malicious_os_system.pth")
        let eval = ExpectedCheckpoints.url("malicious_builtins_eval.pth")
        assertForbidden(try TorchCheckpoint(contentsOf: osSystem), "os.system")
        assertForbidden(try CheckpointFile.load(osSystem), "os.system")
        assertForbidden(try TorchCheckpoint(contentsOf: eval), "builtins.eval")
        assertForbidden(try CheckpointFile.load(eval), "builtins.eval")
        XCTAssertFalse(FileManager.default.fileExists(atPath: canary), "a payload ran")
    }

    func testOtherDangerousGlobalsAreRefusedByName() {
        let names = [("posix", "system"), ("nt", "system"), ("subprocess", "Popen"), ("builtins", "exec"),
                     ("builtins", "getattr"), ("__builtin__", "eval"), ("torch", "load"), ("numpy", "load"),
                     ("torch._utils", "_rebuild_device_tensor_from_numpy"), ("collections", "defaultdict"),
                     ("torch.storage", "UntypedStorage")]
        for (module, name) in names {
            let pickle = Op.proto2 + Op.global(module, name) + Op.string("echo") + Op.tuple1 + Op.reduce + Op.stop
            assertForbidden(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: pickle), name: "hostile.pth"), "\(module).\(name)")
        }
        // STACK_GLOBAL with the names on the stack.
        let stackGlobal: [UInt8] = [0x80, 4] + Op.string("subprocess") + Op.string("check_output") + [0x93] + Op.stop
        assertForbidden(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: stackGlobal), name: "hostile.pth"), "subprocess.check_output")
    }

    func testGlobalIsRefusedBeforeLaterOpcodesRun() {
        // The refusal comes at GLOBAL, even though valid tensors precede it and the pickle is cut short after it.
        let tensor = Op.tensor(key: "0", numel: 2, offset: 0, size: [2], stride: [1])
        let pickle = Op.proto2 + Op.emptyDict + Op.mark + Op.string("w") + tensor + Op.string("x") + Op.global("os", "system")
        let archive = TorchArchiveBuilder.archive(pickle: pickle, storages: ["0": [Float(1), 2].bytes])
        assertForbidden(try TorchCheckpoint(data: archive, name: "hostile.pth"), "os.system")
    }

    func testOpcodesThatInstantiateByNameAreRefused() {
        // INST and OBJ create instances of a named class without GLOBAL; EXT1 fetches a registered callable.
        let cases: [([UInt8], String)] = [
            (Op.proto2 + Op.mark + [0x69] + Array("os\nsystem\n".utf8) + Op.stop, "INST"),
            (Op.proto2 + Op.mark + Op.global("collections", "OrderedDict") + [0x6F] + Op.stop, "OBJ"),
            (Op.proto2 + [0x82, 1] + Op.stop, "EXT1"),
            (Op.proto2 + [0x92] + Op.stop, "NEWOBJ_EX"),
        ]
        for (pickle, opcode) in cases {
            XCTAssertThrowsError(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: pickle), name: "hostile.pth")) { error in
                guard case let CheckpointError.unsupported(_, detail) = error else { return XCTFail("\(opcode): \(error)") }
                XCTAssertTrue(detail.contains(opcode), detail)
            }
        }
    }

    func testAllowlistedNamesCannotBeCalledOutsideTheirRole() {
        // A storage class is allowlisted for persistent ids only; calling it is refused.
        let pickle = Op.proto2 + Op.global("torch", "FloatStorage") + Op.emptyTuple + Op.reduce + Op.stop
        XCTAssertThrowsError(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: pickle), name: "x.pth")) { error in
            guard case CheckpointError.unsupported = error else { return XCTFail("\(error)") }
        }
        // REDUCE on a string is not a call of anything.
        let notCallable = Op.proto2 + Op.string("os.system") + Op.emptyTuple + Op.reduce + Op.stop
        XCTAssertThrowsError(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: notCallable), name: "x.pth")) { error in
            guard case CheckpointError.malformed = error else { return XCTFail("\(error)") }
        }
    }
}
