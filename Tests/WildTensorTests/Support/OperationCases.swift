import TestSupport
import WildTensor
import XCTest

/// Runs the PyTorch parity cases of `Tests/Fixtures/tensor/operations.safetensors` (from
/// `Tools/fixtures/tensor_operations.py`) by their `"op"` parameter, and reports the worst errors per op.
enum OperationCases {
    static func fixture() throws -> ParityFixture { try ParityFixture("operations") }

    /// How many cases `tensor_operations.py` writes per op (its loops: shapes × variants), so a truncated or
    /// regenerated-short fixture fails, and an op added there without a test here fails too
    /// (``OperationCatalogueTests``). `sinusoidal` is checked by `ModelsTests`.
    static let expectedCases: [String: Int] = [
        "relu": 3, "leaky_relu": 4, "sigmoid": 3, "tanh": 3, "silu": 3, "gelu": 3, "geglu": 4,
        "softmax": 9, "log_softmax": 9,
        "group_norm": 7, "layer_norm": 5, "channel_layer_norm": 4,
        "upsample_nearest": 4, "upsample_bilinear": 7,
        "pad": 9, "l1_loss": 4, "mse_loss": 4, "sinusoidal": 3,
    ]

    /// Checks every case whose op is in `ops` with `body` (forward ≤ 1e-4, gradients ≤ 1e-3 relative error),
    /// fails when an op has no case, prints one line per op with the worst errors, and returns them.
    @discardableResult
    static func run(
        _ ops: [String], file: StaticString = #filePath, line: UInt = #line,
        _ body: (_ op: String, _ inputs: [Tensor], _ parameters: [String: Any]) -> Tensor
    ) throws -> [String: (cases: Int, forward: Double, gradient: Double)] {
        let fixture = try fixture()
        var worst: [String: (cases: Int, forward: Double, gradient: Double)] = [:]
        for name in fixture.cases {
            let op = fixture.parameters(name).string("op")
            guard ops.contains(op) else { continue }
            let result = fixture.check(name, file: file, line: line) { inputs, parameters in body(op, inputs, parameters) }
            let previous = worst[op] ?? (0, 0, 0)
            worst[op] = (previous.cases + 1, Swift.max(previous.forward, result.forward),
                         Swift.max(previous.gradient, result.gradients.max() ?? 0))
        }
        for op in ops {
            guard let w = worst[op] else {
                XCTFail("operations.safetensors has no case for \(op)", file: file, line: line)
                continue
            }
            XCTAssertEqual(w.cases, expectedCases[op], "operations.safetensors: cases of \(op)", file: file, line: line)
            print(String(format: "parity %@: %d cases, worst forward %.2e, worst gradient %.2e", op, w.cases, w.forward, w.gradient))
        }
        return worst
    }
}

/// Helpers shared by the operation tests.
enum Check {
    /// Asserts that two tensors have the same shape and agree within `tolerance` relative error (largest
    /// difference over the largest magnitude of `expected`); returns the error.
    @discardableResult
    static func close(
        _ actual: Tensor, _ expected: Tensor, _ tolerance: Double, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) -> Double {
        XCTAssertEqual(actual.shape, expected.shape, "\(what): shape", file: file, line: line)
        guard actual.shape == expected.shape else { return .infinity }
        let error = relativeError(actual.values, expected.values.map(Double.init))
        XCTAssertLessThanOrEqual(error, tolerance, what, file: file, line: line)
        return error
    }

    /// Σ a·b in Double (for adjoint identities ⟨A x, g⟩ = ⟨x, Aᵀ g⟩).
    static func dot(_ a: Tensor, _ b: Tensor) -> Double {
        zip(a.values, b.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// A deterministic tensor (not requiring grad) of values in `range`.
    static func tensor(_ shape: [Int], seed: UInt64, in range: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(shape: shape, values: FiniteDifference.values(shape.reduce(1, *), seed: seed, in: range))
    }
}
