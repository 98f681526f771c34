import Foundation
import TestSupport
@testable import WildTensor
import XCTest

/// The fused attention kernel (`AttentionKernel.fused`, `wir_avx2_attention_panel`) and the OpenBLAS path
/// (`AttentionKernel.blocked`) against attention computed here in float64, on shapes that leave partial query
/// panels, partial key tiles and chunks, and head widths that are not multiples of the kernel's tiles; keys whose
/// scores grow along the sequence, so that every chunk raises the running maximum; and NaN.
final class FusedAttentionTests: XCTestCase {
    /// softmax(q·kᵀ/√d)·v per batch item and head in float64, from `[B, N, H·d]` queries and `[B, M, H·d]` keys
    /// and values.
    static func reference(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int) -> [Double] {
        let (b, n, m, width) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2])
        let d = width / heads
        let (qv, kv, vv) = (q.values.map(Double.init), k.values.map(Double.init), v.values.map(Double.init))
        var out = [Double](repeating: 0, count: b * n * width)
        for bi in 0..<b {
            for h in 0..<heads {
                for i in 0..<n {
                    let qi = (bi * n + i) * width + h * d
                    var scores = (0..<m).map { j -> Double in
                        let kj = (bi * m + j) * width + h * d
                        return (0..<d).reduce(0) { $0 + qv[qi + $1] * kv[kj + $1] } / Double(d).squareRoot()
                    }
                    let largest = scores.max() ?? 0
                    scores = scores.map { Foundation.exp($0 - largest) }
                    let total = scores.reduce(0, +)
                    for c in 0..<d {
                        out[qi + c] = (0..<m).reduce(0) { $0 + scores[$1] * vv[(bi * m + $1) * width + h * d + c] } / total
                    }
                }
            }
        }
        return out
    }

    /// Both kernels on `[B, N, H·d]` queries over `[B, M, H·d]` keys and values: fused (nil without AVX2 + FMA), then
    /// blocked with a score budget of 3 query rows, so that it too works in several blocks.
    static func bothPaths(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int) -> (fused: Tensor?, blocked: Tensor) {
        let (b, width) = (q.shape[0], q.shape[2])
        let rows = { (t: Tensor) in AttentionKernel.Rows(tensor: t, offset: 0, stride: width, count: t.shape[1]) }
        let fused = AttentionKernel.hasAVX2
            ? AttentionKernel.fused(batch: b, heads: heads, headWidth: width / heads, queries: rows(q), keys: rows(k), values: rows(v))
            : nil
        let blocked = AttentionKernel.blocked(batch: b, heads: heads, headWidth: width / heads, queries: rows(q),
                                              keys: rows(k), values: rows(v), mask: nil, scoreBudget: b * heads * k.shape[1] * 3)
        return (fused, blocked)
    }

    func testBothPathsMatchFloat64OnAwkwardShapes() {
        // (batch, heads, head width, queries, keys): one of everything; partial 16-query panels (3, 5, 17, 33, 50
        // queries); chunks of 240 keys with partial 6-key tiles of every size (241, 500, 77, 4, 243 keys leave 1, 2, 5,
        // 4 and 3); widths with every remainder of the 6-channel tiles (7, 40, 64, 11, 9, 2 leave 1, 4, 4, 5, 3, 2).
        let shapes = [(1, 1, 1, 1, 1), (2, 3, 7, 17, 241), (1, 2, 40, 33, 500), (1, 1, 64, 16, 6), (2, 1, 11, 50, 77),
                      (1, 2, 9, 5, 4), (1, 1, 2, 3, 243)]
        var random = TensorRandom(seed: 31)
        for (b, heads, d, n, m) in shapes {
            let q = random.normal([b, n, heads * d]) * 1.5, k = random.normal([b, m, heads * d]), v = random.normal([b, m, heads * d])
            let expected = Self.reference(q, k, v, heads: heads)
            let (fused, blocked) = Self.bothPaths(q, k, v, heads: heads)
            let shape = "B \(b), \(heads) heads of \(d), \(n) queries, \(m) keys"
            XCTAssertLessThanOrEqual(relativeError(blocked.values, expected), 2e-6, "blocked, " + shape)
            if let fused {
                XCTAssertEqual(fused.shape, [b, n, heads * d])
                XCTAssertLessThanOrEqual(relativeError(fused.values, expected), 2e-6, "fused, " + shape)
            }
        }
        if !AttentionKernel.hasAVX2 { print("FusedAttentionTests: this CPU has no AVX2 + FMA; the fused kernel was not run") }
    }

    /// Scores that rise along 1,000 keys (by 0.04 to 0.12 per key, up to about 100): each 240-key chunk raises every
    /// query's maximum by 10 to 30, so what earlier chunks summed is rescaled by 2⁻¹⁴ to 2⁻⁴³ each time and the last
    /// keys dominate. Float32 scores of about 100 carry rounding errors of about 1e-5, which the softmax turns into
    /// relative errors of that size on either path: the bound is the problem's conditioning, not the kernels'.
    func testRisingScoresAcrossChunks() {
        let (n, m, d) = (20, 1_000, 8)
        let q = Tensor(shape: [1, n, d], values: (0..<n * d).map { Float(1 + ($0 % 3)) * 0.1 })
        let k = Tensor(shape: [1, m, d], values: (0..<m * d).map { Float($0 / d) * 0.12 + Float($0 % d) * 0.01 })
        let v = Tensor(shape: [1, m, d], values: (0..<m * d).map { sin(Float($0) * 0.37) })
        let expected = Self.reference(q, k, v, heads: 1)
        let (fused, blocked) = Self.bothPaths(q, k, v, heads: 1)
        XCTAssertLessThanOrEqual(relativeError(blocked.values, expected), 5e-5)
        if let fused { XCTAssertLessThanOrEqual(relativeError(fused.values, expected), 5e-5) }
    }

    /// Packed projections (`packedSelfAttention`, queries, keys and values interleaved in each row) take the fused
    /// kernel without a mask; its result matches float64 too.
    func testPackedSelfAttentionWithoutMask() {
        var random = TensorRandom(seed: 4)
        let (b, l, heads, d) = (2, 37, 3, 11)
        let packed = random.normal([b, l, 3 * heads * d])
        let all = packed.values, width = heads * d
        func part(_ index: Int) -> Tensor {
            var values: [Float] = []
            for row in 0..<b * l {
                let start = (row * 3 + index) * width
                values += all[start ..< start + width]
            }
            return Tensor(shape: [b, l, width], values: values)
        }
        let split = [part(0), part(1), part(2)]
        let expected = Self.reference(split[0], split[1], split[2], heads: heads)
        let y = withNoGrad { packed.packedSelfAttention(heads: heads, mask: nil) }
        XCTAssertLessThanOrEqual(relativeError(y.values, expected), 2e-6)
    }

    /// A NaN key makes every output of its batch item and head NaN (each query scores it), as PyTorch's softmax
    /// does; the other head stays finite.
    func testNaNKeyPoisonsItsHeadOnly() throws {
        try XCTSkipUnless(AttentionKernel.hasAVX2, "the fused kernel needs AVX2 + FMA")
        var random = TensorRandom(seed: 8)
        let (n, m, d) = (19, 300, 5)
        let q = random.normal([1, n, 2 * d]), v = random.normal([1, m, 2 * d])
        var keys = random.normal([1, m, 2 * d]).values
        keys[250 * 2 * d + 1] = .nan  // key 250, head 0
        let (fused, _) = Self.bothPaths(q, Tensor(shape: [1, m, 2 * d], values: keys), v, heads: 2)
        let y = try XCTUnwrap(fused).values
        for i in 0..<n {
            XCTAssertTrue((0..<d).allSatisfy { y[i * 2 * d + $0].isNaN }, "query \(i), head 0")
            XCTAssertTrue((d..<2 * d).allSatisfy { y[i * 2 * d + $0].isFinite }, "query \(i), head 1")
        }
    }
}
