@testable import Checkpoints
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

    /// The two fixture payloads (`Tools/fixtures/checkpoints.py`): `os.system` named by GLOBAL and `builtins.eval`
    /// named by STACK_GLOBAL, each followed by the REDUCE that would call it with a shell command. Both are refused
    /// by name through every entry point. The refusal happens at the opcode that names the global: the pickle cut
    /// right after that opcode is refused the same way, so the machine never reads the command nor reaches the call,
    /// and nothing is constructed; the same prefix naming an allowed global instead runs on and fails only for its
    /// missing end, so it is the name that stops the machine.
    func testOsSystemAndBuiltinsEvalPayloadsAreRefusedAtTheirGlobalBeforeAnythingIsCalled() throws {
        let canary = try ExpectedCheckpoints().canary
        let payloads: [(file: String, global: String, naming: [UInt8], allowed: [UInt8])] = [
            ("malicious_os_system.pth", "os.system", Op.global("os", "system"), Op.global("collections", "OrderedDict")),
            ("malicious_builtins_eval.pth", "builtins.eval", Self.shortString("builtins") + Self.shortString("eval") + [0x93],
             Self.shortString("collections") + Self.shortString("OrderedDict") + [0x93]),
        ]
        for payload in payloads {
            let url = ExpectedCheckpoints.url(payload.file)
            let archive = try ZipArchive(data: try Data(contentsOf: url), file: payload.file)
            let pickle = [UInt8](try archive.contents(of: try XCTUnwrap(archive.entry(named: "archive/data.pkl")), verify: true))
            // The fixture is the payload it claims to be: its global, a shell command touching the canary, a call.
            let naming = try XCTUnwrap(Self.range(of: payload.naming, in: pickle), payload.file)
            let call = try XCTUnwrap(pickle.lastIndex(of: Op.reduce[0]), payload.file)
            XCTAssertGreaterThan(call, naming.upperBound, "\(payload.file): the REDUCE follows the global")
            XCTAssertEqual(pickle[call - 1], Op.tuple1[0], "\(payload.file): called with one argument")
            XCTAssertTrue(String(decoding: pickle, as: UTF8.self).contains("touch \(canary)"), payload.file)

            assertForbidden(try TorchCheckpoint(contentsOf: url), payload.global)
            assertForbidden(try CheckpointFile.load(url), payload.global)
            let prefix = Array(pickle[..<naming.upperBound])
            assertForbidden(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: prefix), name: payload.file), payload.global)
            let control = Array(pickle[..<naming.lowerBound]) + payload.allowed
            XCTAssertThrowsError(try TorchCheckpoint(data: TorchArchiveBuilder.archive(pickle: control), name: payload.file)) { error in
                guard case CheckpointError.malformed = error else { return XCTFail("\(payload.file): expected malformed, got \(error)") }
            }
        }
    }

    /// SHORT_BINUNICODE, as the protocol-4 payload writes its names.
    static func shortString(_ text: String) -> [UInt8] { [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }

    /// The first occurrence of `needle` in `haystack`.
    static func range(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard !needle.isEmpty, needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
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
