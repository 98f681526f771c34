import Checkpoints
import Foundation
import TestSupport
import XCTest

/// Checkpoints written by torch.save read back with torch's own names, order, dtypes, shapes and values.
final class TorchCheckpointTests: XCTestCase {
    var expected: ExpectedCheckpoints!

    override func setUpWithError() throws {
        expected = try ExpectedCheckpoints()
    }

    func testPlainStateDictMatchesTorch() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: ExpectedCheckpoints.url("state_dict.pth"))
        try expected.check(checkpoint.stateDict(), against: "state_dict.pth")
        try expected.check(CheckpointFile.load(ExpectedCheckpoints.url("state_dict.pth")), against: "state_dict.pth")
    }

    func testZip64HeadersGiveTheSameStateDict() throws {
        try expected.check(CheckpointFile.load(ExpectedCheckpoints.url("state_dict_zip64.pth")), against: "state_dict.pth")
    }

    func testSafetensorsTwinGivesTheSameTensors() throws {
        // safetensors stores tensors in its own order (by dtype, then name), so only the set of names is compared.
        try expected.check(CheckpointFile.load(ExpectedCheckpoints.url("state_dict.safetensors")), against: "state_dict.pth", ordered: false)
    }

    func testBasicSRParamsKeepHalfBFloat16AndInt64() throws {
        let loaded = try CheckpointFile.load(ExpectedCheckpoints.url("basicsr_params.pth"))
        try expected.check(loaded, against: "basicsr_params.pth")
        XCTAssertEqual(Set(loaded.map(\.tensor.elementType)), [.float16, .bfloat16, .float32, .int64])
        XCTAssertEqual(loaded.last?.tensor.int64Values, [1234])
    }

    func testParamsEmaIsPreferredUnlessAskedOtherwise() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: ExpectedCheckpoints.url("basicsr_ema.pth"))
        try expected.check(checkpoint.stateDict(), against: "basicsr_ema.pth")
        try expected.check(checkpoint.stateDict(preferring: ["params"]), against: "basicsr_ema.pth#params")
    }

    func testNestedModelIsFlattenedAndOptimizerScalarsAreRead() throws {
        let checkpoint = try TorchCheckpoint(contentsOf: ExpectedCheckpoints.url("nested.pth"))
        try expected.check(checkpoint.stateDict(), against: "nested.pth")
        let optimizer = try XCTUnwrap(checkpoint.root["optimizer"])
        XCTAssertEqual(optimizer["lr"], .float(0.001))
        XCTAssertEqual(optimizer["betas"], .tuple([.float(0.9), .float(0.999)]))
        XCTAssertEqual(optimizer["eps"], .float(1e-8))
        XCTAssertEqual(optimizer["step"], .int(10))
        XCTAssertEqual(optimizer["name"], .string("adam"))
        XCTAssertEqual(optimizer["amsgrad"], .bool(false))
        XCTAssertEqual(optimizer["milestones"], .list([.int(100), .int(200)]))
        XCTAssertEqual(optimizer["last"], PickleValue.none)
        XCTAssertEqual(optimizer["seed"], .bigInteger([0, 0, 0, 0, 0, 0, 0, 0, 0x40]))  // 2^70
        XCTAssertEqual(optimizer["offset"], .int(-123_456_789_012))
        // Without the wrapper key the root (model and optimizer) is not a dictionary of tensors.
        XCTAssertThrowsError(try checkpoint.stateDict(preferring: [])) { error in
            guard case let CheckpointError.unsupported(_, detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("'model', 'optimizer'"), detail)
        }
    }

    func testViewsAreGatheredInCOrderAndSharedStoragesSplit() throws {
        let loaded = try CheckpointFile.load(ExpectedCheckpoints.url("views.pth"))
        try expected.check(loaded, against: "views.pth")
        let byName = Dictionary(uniqueKeysWithValues: loaded.map { ($0.name, $0.tensor) })
        XCTAssertEqual(byName["again"], byName["transposed"])
    }

    func testModuleMetadataAndHooksAreNotTensors() throws {
        // A module's state_dict carries `_metadata` through BUILD; it must not surface as an entry.
        let checkpoint = try TorchCheckpoint(contentsOf: ExpectedCheckpoints.url("state_dict.pth"))
        guard case let .dict(entries) = checkpoint.root else { return XCTFail("root is \(checkpoint.root.kindName)") }
        XCTAssertTrue(entries.allSatisfy { $0.value.tensor != nil })
    }
}
