import Foundation
import WildTensor
import XCTest

/// The multi-threaded paths of the optimisers and gradient clipping: large tensors split across cores must give
/// the same bits as small ones, and the norms must be right for every norm type.
final class OptimiserKernelTests: XCTestCase {
    /// Deterministic pseudo-random values in [−scale, scale).
    static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    func testChunkedUpdateEqualsSmallTensorUpdate() {
        // Large enough to be split across threads (the elementwise grain is 32768 elements).
        let count = 3 * 65_536 + 77, slice = 4_099
        let initial = Self.values(count, seed: 1)
        for adamW in [false, true] {
            let big = Tensor(shape: [count], values: initial, requiresGrad: true)
            let pieces = stride(from: 0, to: count, by: slice).map { start in
                Tensor(shape: [min(slice, count - start)], values: Array(initial[start..<min(start + slice, count)]), requiresGrad: true)
            }
            let makeOptimiser: ([(name: String, tensor: Tensor)]) -> Adam = { parameters in
                adamW ? AdamW(parameters, learningRate: 3e-3, weightDecay: 0.05, amsgrad: true)
                      : Adam(parameters, learningRate: 3e-3, weightDecay: 0.05)
            }
            let whole = makeOptimiser([("big", big)])
            let parts = makeOptimiser(pieces.enumerated().map { ("piece\($0.offset)", $0.element) })
            for step in 1...3 {
                let gradient = Self.values(count, seed: UInt64(100 + step), scale: Float(step))
                big.grad = Tensor(shape: [count], values: gradient)
                for (index, piece) in pieces.enumerated() {
                    let start = index * slice
                    piece.grad = Tensor(shape: piece.shape, values: Array(gradient[start..<(start + piece.count)]))
                }
                whole.step()
                parts.step()
            }
            XCTAssertEqual(big.values, pieces.flatMap(\.values), "AdamW \(adamW): parameters")
            XCTAssertEqual(whole.moments(of: "big")!.expAvgSq.values,
                           pieces.indices.flatMap { parts.moments(of: "piece\($0)")!.expAvgSq.values })
            XCTAssertNotEqual(big.values, initial)
        }
    }

    func testGradientNormsAndClipping() {
        let a = Tensor(shape: [200_003], values: Self.values(200_003, seed: 7), requiresGrad: true)
        let b = Tensor(shape: [3, 5], values: Self.values(15, seed: 8, scale: 10), requiresGrad: true)
        let frozen = Tensor(shape: [4], values: [1, 2, 3, 4])
        let gradients = [Self.values(200_003, seed: 9), Self.values(15, seed: 10, scale: 30)]
        let all = gradients.flatMap { $0 }.map(Double.init)
        let expected: [(Double, Double)] = [
            (2, all.reduce(0) { $0 + $1 * $1 }.squareRoot()),
            (1, all.reduce(0) { $0 + abs($1) }),
            (3, pow(all.reduce(0) { $0 + pow(abs($1), 3) }, 1.0 / 3)),
            (.infinity, all.map(abs).max()!),
        ]
        for (normType, reference) in expected {
            for (tensor, gradient) in zip([a, b], gradients) { tensor.grad = Tensor(shape: tensor.shape, values: gradient) }
            // Above the norm: scaled to maxNorm / (total + 1e-6).
            let maxNorm = reference / 4
            let total = clipGradientNorm([("a", a), ("b", b), ("frozen", frozen)], maxNorm: maxNorm, normType: normType)
            XCTAssertEqual(Double(total), reference, accuracy: reference * 1e-6, "norm type \(normType)")
            let factor = (1 / (total + Float(1e-6))) * Float(maxNorm)
            XCTAssertEqual(b.grad!.values, gradients[1].map { $0 * factor }, "norm type \(normType): clipped gradient")
            XCTAssertNil(frozen.grad)
            // Below the norm: unchanged (multiplied by exactly 1).
            for (tensor, gradient) in zip([a, b], gradients) { tensor.grad = Tensor(shape: tensor.shape, values: gradient) }
            clipGradientNorm([a, b], maxNorm: reference * 2, normType: normType)
            XCTAssertEqual(a.grad!.values, gradients[0])
        }
        XCTAssertEqual(clipGradientNorm([frozen], maxNorm: 1), 0, "no gradients: total norm 0")
    }

    func testParametersWithoutGradientsAreLeftAlone() {
        let used = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let unused = Tensor(shape: [2], values: [3, 4], requiresGrad: true)
        let optimiser = AdamW([("used", used), ("unused", unused)], learningRate: 0.1, weightDecay: 0.5)
        used.grad = Tensor(shape: [2], values: [1, 1])
        optimiser.step()
        XCTAssertEqual(unused.values, [3, 4], "no gradient: not even weight decay applies")
        XCTAssertNil(optimiser.moments(of: "unused"))
        XCTAssertEqual(optimiser.moments(of: "used")?.step, 1)
        // First Adam step moves each element by lr (m̂/√v̂ = ±1) after the decoupled decay.
        XCTAssertEqual(used.values[0], Float(1 * Float(1 - 0.1 * 0.5)) - 0.1, accuracy: 1e-6)
        optimiser.zeroGrad()
        XCTAssertNil(used.grad)
    }
}
