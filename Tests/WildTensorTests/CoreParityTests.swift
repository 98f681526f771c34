import TestSupport
import WildTensor
import XCTest

/// Core operations against PyTorch float64 (fixture `Tools/fixtures/tensor_core.py`): forward ≤ 1e-4 and
/// gradients ≤ 1e-3 relative error (largest |difference| over largest |reference|).
final class CoreParityTests: XCTestCase {
    var fixture: ParityFixture!

    override func setUpWithError() throws { fixture = try ParityFixture("core") }

    override class func tearDown() {
        if let path = try? ParityFixture("core").path { print(ParityLedger.summary(path)) }
        super.tearDown()
    }

    func testBroadcastingArithmetic() {
        for i in 0..<6 {
            fixture.check("add\(i)") { x, _ in x[0] + x[1] }
            fixture.check("sub\(i)") { x, _ in x[0] - x[1] }
            fixture.check("mul\(i)") { x, _ in x[0] * x[1] }
            fixture.check("div\(i)") { x, _ in x[0] / x[1] }
        }
        fixture.check("scalar_ops") { x, _ in ((x[0] + 2) * 3 - 1) / 4 }
        fixture.check("rscalar_ops") { x, _ in 2 / x[0] + (1 - x[0]) }
        fixture.check("neg") { x, _ in -x[0] }
    }

    func testElementwiseMathematics() {
        fixture.check("pow") { x, p in x[0].pow(p.float("exponent")) }
        fixture.check("square") { x, _ in x[0].squared() }
        fixture.check("exp") { x, _ in x[0].exp() }
        fixture.check("log") { x, _ in x[0].log() }
        fixture.check("sqrt") { x, _ in x[0].sqrt() }
        fixture.check("rsqrt") { x, _ in x[0].rsqrt() }
        fixture.check("sin") { x, _ in x[0].sin() }
        fixture.check("cos") { x, _ in x[0].cos() }
        fixture.check("abs") { x, _ in x[0].abs() }
        fixture.check("clamp") { x, p in x[0].clamped(p.float("lower"), p.float("upper")) }
    }

    func testReductions() {
        for name in fixture.cases where name.hasPrefix("sum_") && name != "sum_all" || name.hasPrefix("mean_keep_") {
            fixture.check(name) { x, p in
                name.hasPrefix("sum_") ? x[0].sum(axes: p.ints("axes")) : x[0].mean(axes: p.ints("axes"), keepDims: true)
            }
        }
        fixture.check("var_unbiased_1") { x, p in x[0].variance(axes: p.ints("axes"), unbiased: true) }
        fixture.check("var_biased_23") { x, p in x[0].variance(axes: p.ints("axes"), unbiased: false, keepDims: true) }
        fixture.check("sum_all") { x, _ in x[0].sum() }
        fixture.check("broadcast_to") { x, p in x[0].broadcast(to: p.ints("shape")) }
    }

    func testShapeOperations() {
        fixture.check("reshape") { x, p in
            x[0].reshaped(p.ints("shape")) * Tensor(shape: [6, 20], values: (0..<120).map(Float.init))
        }
        fixture.check("permute") { x, p in x[0].permuted(p.ints("order")) }
        fixture.check("permute_3120") { x, p in x[0].permuted(p.ints("order")) }
        fixture.check("transpose") { x, _ in x[0].transposed() }
        fixture.check("concat1") { x, p in Tensor.concatenate(x, axis: p.int("axis")) }
        fixture.check("concat_last") { x, p in Tensor.concatenate(x, axis: p.int("axis")) }
        fixture.check("slice") { x, p in x[0].sliced(axis: p.int("axis"), p.int("start")..<p.int("end")) }
        fixture.check("chunk") { x, p in
            let pieces = x[0].chunked(p.int("chunks"), axis: p.int("axis"))
            return Tensor.concatenate(pieces.enumerated().map { $0.element * Float($0.offset + 1) }, axis: 1)
        }
    }

    func testMatrixProducts() {
        for name in ["matmul", "bmm", "matmul_broadcast", "matmul_broadcast_left"] {
            fixture.check(name) { x, _ in x[0].matmul(x[1]) }
        }
        fixture.check("linear") { x, _ in x[0].linear(weight: x[1], bias: x[2]) }
        fixture.check("linear_nobias") { x, _ in x[0].linear(weight: x[1], bias: nil) }
    }

    func testEmbeddingAndTheCLIPAttentionPieces() throws {
        fixture.check("embedding") { x, _ in
            (try? Tensor.embedding(x[0].values.map { Int($0) }, shape: x[0].shape, weight: x[1])) ?? Tensor.zeros([1])
        }
        // Causal mask as an additive constant: −∞ above the diagonal (exp gives exactly 0 there).
        let mask = Tensor(shape: [5, 5], values: (0..<25).map { $0 % 5 > $0 / 5 ? -Float.infinity : 0 })
        fixture.check("causal_attention") { x, _ in
            (x[0].matmul(x[1].transposed()) * (1 / Float(8).squareRoot()) + mask).softmax(axis: -1)
        }
        fixture.check("quick_gelu") { x, _ in x[0].quickGelu() }
        XCTAssertThrowsError(try Tensor.embedding([0, 10], weight: Tensor.zeros([10, 2])))
        XCTAssertThrowsError(try Tensor.embedding([0], shape: [2], weight: Tensor.zeros([10, 2])))
    }

    func testEveryFixtureCaseIsExercised() {
        // A new case in the generator without a test here would silently go unchecked.
        let tested = Set((0..<6).flatMap { ["add\($0)", "sub\($0)", "mul\($0)", "div\($0)"] })
        let named: Set<String> = ["scalar_ops", "rscalar_ops", "neg", "pow", "square", "exp", "log", "sqrt", "rsqrt", "sin",
                                  "cos", "abs", "clamp", "var_unbiased_1", "var_biased_23", "sum_all", "broadcast_to",
                                  "reshape", "permute", "permute_3120", "transpose", "concat1", "concat_last", "slice",
                                  "chunk", "matmul", "bmm", "matmul_broadcast", "matmul_broadcast_left", "linear",
                                  "linear_nobias", "embedding", "causal_attention", "quick_gelu"]
        let prefixed = fixture.cases.filter { $0.hasPrefix("sum_") || $0.hasPrefix("mean_keep_") }
        XCTAssertEqual(Set(fixture.cases), tested.union(named).union(prefixed).union(FusedKernelParityTests.cases))
    }
}
