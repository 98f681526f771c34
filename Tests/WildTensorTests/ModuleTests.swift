import Checkpoints
import Foundation
import WildTensor
import XCTest

/// A small model written the way ports of PyTorch models are: attribute names as in PyTorch.
private final class TinyNet: Module, UnaryLayer {
    let inputProj: Linear
    let blocks: [Linear]
    let timeMlp: Sequential
    let gain: Tensor
    let unused: Linear? = nil

    override init() {
        var g = TensorRandom(seed: 7)
        inputProj = Linear(4, 8, generator: &g)
        blocks = [Linear(8, 8, generator: &g), Linear(8, 8, bias: false, generator: &g)]
        timeMlp = Sequential([Linear(8, 8, generator: &g), Linear(8, 2, generator: &g)])
        gain = g.constant([1, 2], 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        timeMlp(blocks.reduce(inputProj(x)) { $1($0) }) * gain
    }
}

final class ModuleTests: XCTestCase {
    func testKeysFollowPyTorchStateDictNaming() {
        let keys = TinyNet().namedParameters().map(\.name)
        XCTAssertEqual(keys, [
            "gain",
            "input_proj.weight", "input_proj.bias",
            "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
            "time_mlp.0.weight", "time_mlp.0.bias", "time_mlp.1.weight", "time_mlp.1.bias",
        ])
    }

    func testSnakeCaseOfAcronymsAndDigits() {
        let net = TinyNet()
        XCTAssertEqual(net.parameterCount, 1 * 2 + 4 * 8 + 8 + 8 * 8 + 8 + 8 * 8 + 8 * 8 + 8 + 8 * 2 + 2)
    }

    func testLoadStateDictCopiesValuesAndReportsEveryProblemAtOnce() throws {
        let source = TinyNet(), target = TinyNet()
        for p in source.parameters() { p.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = Float(i) * 0.5 } } }
        let state = Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) })
        try target.loadStateDict(state)
        XCTAssertEqual(target.namedParameters().map(\.tensor.values), source.namedParameters().map(\.tensor.values))

        var broken = state
        broken.removeValue(forKey: "blocks.1.weight")
        broken["extra.weight"] = try StoredTensor(shape: [1], float32: [0])
        broken["gain"] = try StoredTensor(shape: [2], float32: [1, 1])
        let before = TinyNet().namedParameters().map(\.tensor.values)
        let fresh = TinyNet()
        XCTAssertThrowsError(try fresh.loadStateDict(broken)) { error in
            guard case let TensorError.stateDictMismatch(missing, unexpected, wrongShape) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(missing, ["blocks.1.weight"])
            XCTAssertEqual(unexpected, ["extra.weight"])
            XCTAssertEqual(wrongShape, ["gain (model [1, 2], file [2])"])
            XCTAssertTrue("\(error)".contains("missing keys (1): blocks.1.weight"))
        }
        XCTAssertEqual(fresh.namedParameters().map(\.tensor.values), before, "a failed load must modify nothing")

        // Non-strict loading refuses a wrong shape (changing nothing) …
        XCTAssertThrowsError(try fresh.loadStateDict(broken, strict: false)) { error in
            guard case let TensorError.stateDictMismatch(missing, unexpected, wrongShape) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(missing, [])
            XCTAssertEqual(unexpected, [])
            XCTAssertEqual(wrongShape, ["gain (model [1, 2], file [2])"])
        }
        XCTAssertEqual(fresh.namedParameters().map(\.tensor.values), before, "a refused load must modify nothing")
        // … and otherwise loads every key present, ignores the unexpected one and keeps the missing one's own values.
        broken["gain"] = state["gain"]
        try fresh.loadStateDict(broken, strict: false)
        let sourceValues = Dictionary(uniqueKeysWithValues: source.namedParameters().map { ($0.name, $0.tensor.values) })
        let beforeValues = Dictionary(uniqueKeysWithValues: zip(TinyNet().namedParameters().map(\.name), before))
        XCTAssertNotEqual(sourceValues["blocks.1.weight"], beforeValues["blocks.1.weight"], "the check below can tell them apart")
        for (name, tensor) in fresh.namedParameters() {
            let expected = name == "blocks.1.weight" ? beforeValues[name] : sourceValues[name]
            XCTAssertEqual(tensor.values, expected, name)
        }
    }

    func testHalfPrecisionStateDictsConvert() throws {
        let net = TinyNet()
        var state = Dictionary(uniqueKeysWithValues: net.stateDict().map { ($0.name, $0.tensor) })
        // 1.0 and -2.0 in binary16.
        state["gain"] = try StoredTensor(shape: [1, 2], elementType: .float16, bytes: Data([0x00, 0x3C, 0x00, 0xC0]))
        try net.loadStateDict(state)
        XCTAssertEqual(net.gain.values, [1, -2])
    }

    func testTrainEvalPropagates() {
        let net = TinyNet()
        net.eval()
        XCTAssertFalse(net.timeMlp.layers[1].isTraining)
        net.train()
        XCTAssertTrue(net.blocks[0].isTraining)
    }
}
