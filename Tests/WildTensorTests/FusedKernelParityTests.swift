import TestSupport
@testable import WildTensor
import XCTest

/// The fused inference kernels against PyTorch float64 (fixture `Tools/fixtures/tensor_core.py`): the product with
/// its activation and residual as post-ops (``LinearKernel``), and multi-head attention reading heads in place
/// (``AttentionKernel``). Each fused linear case is checked twice: recorded (composed operations, gradients too)
/// and inside `withNoGrad`, where one oneDNN primitive computes it; the two paths must agree with PyTorch alike.
final class FusedKernelParityTests: XCTestCase {
    var fixture: ParityFixture!

    override func setUpWithError() throws { fixture = try ParityFixture("core") }

    /// The cases of `core.safetensors` this class checks (``CoreParityTests`` checks that every case is claimed).
    static let cases: Set<String> = ["linear_gelu_residual", "linear_relu", "linear_silu_residual", "linear_leaky",
                                     "packed_attention_causal", "packed_attention_vit", "cross_attention"]

    /// Case `name`'s inputs as untracked tensors.
    private func untrackedInputs(_ name: String) -> [Tensor] {
        var inputs: [Tensor] = []
        while let (shape, values) = fixture.array("\(name).x\(inputs.count)") {
            inputs.append(Tensor(shape: shape, values: values.map(Float.init)))
        }
        return inputs
    }

    /// `forward` on case `name`'s inputs inside `withNoGrad`, against the stored output.
    private func checkInference(_ name: String, tolerance: Double = 1e-5, file: StaticString = #filePath,
                                line: UInt = #line, _ forward: ([Tensor], [String: Any]) -> Tensor) throws {
        let inputs = untrackedInputs(name)
        XCTAssertFalse(inputs.isEmpty, "\(name): no inputs in the fixture", file: file, line: line)
        let expected = try XCTUnwrap(fixture.array("\(name).y"), "\(name): no output", file: file, line: line)
        let y = withNoGrad { forward(inputs, fixture.parameters(name)) }
        XCTAssertEqual(y.shape, expected.shape, "\(name): shape", file: file, line: line)
        guard y.shape == expected.shape else { return }
        XCTAssertLessThanOrEqual(relativeError(y.values, expected.values), tolerance, "\(name): fused forward",
                                 file: file, line: line)
    }

    private let linearCases: [(String, FusedActivation?, ([Tensor]) -> (x: Tensor, w: Tensor, b: Tensor?, r: Tensor?))] = [
        ("linear_gelu_residual", .gelu, { ($0[0], $0[1], $0[2], $0[3]) }),
        ("linear_relu", .relu, { ($0[0], $0[1], $0[2], nil) }),
        ("linear_silu_residual", .silu, { ($0[0], $0[1], nil, $0[2]) }),
        ("linear_leaky", .leakyReLU(negativeSlope: 0.2), { ($0[0], $0[1], $0[2], nil) }),
    ]

    func testFusedLinearMatchesPyTorchRecordedAndInPlace() throws {
        for (name, activation, operands) in linearCases {
            fixture.check(name) { x, _ in
                let o = operands(x)
                return o.x.linear(weight: o.w, bias: o.b, activation: activation, adding: o.r)
            }
            try checkInference(name) { x, _ in
                let o = operands(x)
                return o.x.linear(weight: o.w, bias: o.b, activation: activation, adding: o.r)
            }
        }
    }

    /// The fallback through OpenBLAS (calls from inside a parallel region) gives the same values.
    func testLinearFallbackMatchesPyTorch() throws {
        for (name, activation, operands) in linearCases {
            try checkInference(name) { x, _ in
                let o = operands(x)
                return LinearKernel.reference(o.x, weight: o.w, bias: o.b, activation: activation, residual: o.r)
            }
        }
    }

    func testPackedSelfAttentionMatchesPyTorch() throws {
        try checkInference("packed_attention_causal") { x, p in x[0].packedSelfAttention(heads: p.int("heads"), mask: x[1]) }
        try checkInference("packed_attention_vit") { x, p in x[0].packedSelfAttention(heads: p.int("heads"), mask: nil) }
    }

    func testCrossAttentionMatchesPyTorch() throws {
        try checkInference("cross_attention") { x, p in x[0].attention(keys: x[1], values: x[2], heads: p.int("heads")) }
    }

    /// Queries taken in blocks (a score budget of fewer rows than there are queries, chosen so that the last block
    /// is shorter) give PyTorch's values: each row's softmax sees all its keys in every block, and the causal mask's
    /// rows follow their queries.
    func testAttentionInBlocksOfQueriesMatchesPyTorch() throws {
        /// Rows per block for `count` queries: the most that leave a shorter last block.
        func rows(_ count: Int) -> Int { (1..<count).last { count % $0 != 0 } ?? 1 }
        for name in ["packed_attention_causal", "packed_attention_vit"] {
            try checkInference(name) { x, p in
                let heads = p.int("heads"), (b, l) = (x[0].shape[0], x[0].shape[1])
                XCTAssertGreaterThan(l, 2, "\(name): more than one block")
                return x[0].packedSelfAttention(heads: heads, mask: name.hasSuffix("causal") ? x[1] : nil, scoreBudget: b * heads * l * rows(l))
            }
        }
        try checkInference("cross_attention") { x, p in
            let heads = p.int("heads"), (b, n, m) = (x[1].shape[0], x[0].shape[1], x[1].shape[1])
            XCTAssertGreaterThan(n, 2, "more than one block")
            return x[0].attention(keys: x[1], values: x[2], heads: heads, scoreBudget: b * heads * m * rows(n))
        }
    }

    /// At Stable Diffusion's 64² latent (4096 tokens) with 8 heads one pass would hold 512 MiB of scores; the result
    /// takes 1 MiB, and each thread holds at most 1 MiB besides: one 1 MiB block of scores (64 query rows) on the
    /// OpenBLAS path, or two 128 KiB copies of a head's keys and values and a few KiB of scratch on the fused one.
    func testAttentionOverManyTokensHoldsAtMostOneMiBPerThread() {
        var generator = TensorRandom(seed: 5)
        let (q, k, v) = (generator.normal([1, 4096, 64]), generator.normal([1, 4096, 64]), generator.normal([1, 4096, 64]))
        BufferPoolProbe.resetPeak()
        let before = BufferPoolProbe.inUseBytes
        let y = withNoGrad { q.attention(keys: k, values: v, heads: 8) }
        let peak = Double(BufferPoolProbe.peakInUseBytes - before) / 1_048_576
        print(String(format: "attention over 4096 tokens, 8 heads: %.1f MiB at peak", peak))
        XCTAssertEqual(y.shape, [1, 4096, 64])
        XCTAssertTrue(y.values.allSatisfy(\.isFinite))
        XCTAssertGreaterThanOrEqual(peak, AttentionKernel.fusedEnabled ? 1.2 : 2, "the result and one thread's working memory")
        XCTAssertLessThanOrEqual(peak, 1.01 + Double(EngineParallel.threadCount))
    }

    /// The fallback through per-head copies (empty inputs, calls from inside a parallel region) gives the same values.
    func testAttentionFallbackMatchesPyTorch() throws {
        let inputs = untrackedInputs("packed_attention_vit")
        let viaCopies = withNoGrad {
            AttentionKernel.reference(
                batch: 1, heads: 4, headWidth: 16,
                queries: .init(tensor: inputs[0], offset: 0, stride: 192, count: 50),
                keys: .init(tensor: inputs[0], offset: 64, stride: 192, count: 50),
                values: .init(tensor: inputs[0], offset: 128, stride: 192, count: 50), mask: nil)
        }
        let expected = try XCTUnwrap(fixture.array("packed_attention_vit.y"))
        XCTAssertLessThanOrEqual(relativeError(viaCopies.values, expected.values), 1e-5)
    }

    /// QuickGELU as a post-op of the product (oneDNN's swish with α = 1.702), recorded and in place, against the
    /// closed form x·σ(1.702x) of the float64 product; the recorded path's input gradient against the closed-form
    /// derivative σ(1.702y) + 1.702·y·σ(1.702y)(1 − σ(1.702y)) times W.
    func testFusedQuickGELULinearMatchesClosedForm() {
        let x = Tensor(shape: [3, 4, 9], values: (0..<108).map { sin(Float($0) * 0.41) * 2 })
        let w = Tensor(shape: [5, 9], values: (0..<45).map { cos(Float($0) * 0.23) * 0.6 })
        let b = Tensor(shape: [5], values: (0..<5).map { Float($0) * 0.3 - 0.6 })
        let (xs, ws, bs) = (x.values.map(Double.init), w.values.map(Double.init), b.values.map(Double.init))
        var product = [Double](repeating: 0, count: 12 * 5)
        for r in 0..<12 {
            for o in 0..<5 { product[r * 5 + o] = bs[o] + (0..<9).reduce(0.0) { $0 + xs[r * 9 + $1] * ws[o * 9 + $1] } }
        }
        let sigmoid = { (y: Double) in 1 / (1 + exp(-1.702 * y)) }
        let expected = product.map { $0 * sigmoid($0) }
        let fused = withNoGrad { x.linear(weight: w, bias: b, activation: .quickGELU, adding: nil) }
        XCTAssertNil(fused.gradFunction)
        XCTAssertLessThanOrEqual(relativeError(fused.values, expected), 1e-5, "fused")
        let reference = LinearKernel.reference(x, weight: w, bias: b, activation: .quickGELU, residual: nil)
        XCTAssertLessThanOrEqual(relativeError(reference.values, expected), 1e-5, "fallback")
        let tracked = Tensor(shape: x.shape, values: x.values, requiresGrad: true)
        let recorded = tracked.linear(weight: w, bias: b, activation: .quickGELU, adding: nil)
        XCTAssertLessThanOrEqual(relativeError(recorded.values, expected), 1e-5, "recorded")
        recorded.sum().backward()
        let slope = product.map { y in sigmoid(y) + 1.702 * y * sigmoid(y) * (1 - sigmoid(y)) }
        var gradient = [Double](repeating: 0, count: 108)
        for r in 0..<12 {
            for i in 0..<9 { gradient[r * 9 + i] = (0..<5).reduce(0.0) { $0 + slope[r * 5 + $1] * ws[$1 * 9 + i] } }
        }
        XCTAssertLessThanOrEqual(relativeError(tracked.grad?.values ?? [], gradient), 1e-5, "gradient")
    }
}
