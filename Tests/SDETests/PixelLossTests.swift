import Foundation
import SDE
import WildTensor
import XCTest

/// The pixel losses of the training objectives against closed forms computed here in Double.
final class PixelLossTests: XCTestCase {
    /// Three samples with errors of very different size (as a damaged, a mildly damaged and a near-clean image).
    private func pair() -> (prediction: [Float], target: [Float], shape: [Int]) {
        let shape = [3, 2, 3, 3], perSample = 18
        var random = TensorRandom(seed: 21)
        let target = (0..<(3 * perSample)).map { _ in random.unit() }
        let scales: [Float] = [0.1, 0.01, 0.001]
        let prediction = target.enumerated().map { i, t in t + scales[i / perSample] * (random.unit() * 2 - 1) }
        return (prediction, target, shape)
    }

    /// PSNR loss: value = mean_i 10·log10(MSE_i + 1e-8) and gradient (10/ln 10)·2d/(n·B·(MSE_i + 1e-8)), in Double.
    func testPSNRLossIsTheMeanOfMinusPerSamplePSNRWithItsGradient() {
        let (p, t, shape) = pair()
        let n = 18, batch = 3
        let prediction = Tensor(shape: shape, values: p, requiresGrad: true)
        let loss = PixelLoss.psnr(prediction, Tensor(shape: shape, values: t), weight: 2)
        var expected = 0.0, gradient = [Double](repeating: 0, count: p.count)
        for i in 0..<batch {
            let d = (0..<n).map { Double(p[i * n + $0]) - Double(t[i * n + $0]) }
            let mse = d.map { $0 * $0 }.reduce(0, +) / Double(n) + 1e-8
            expected += 2 * 10 * log10(mse) / Double(batch)
            for j in 0..<n { gradient[i * n + j] = 2 * 10 / M_LN10 * 2 * d[j] / (Double(n * batch) * mse) }
        }
        XCTAssertEqual(Double(loss.scalar), expected, accuracy: 1e-4 * abs(expected))
        loss.backward()
        let got = prediction.grad?.values ?? []
        XCTAssertEqual(got.count, gradient.count)
        for (g, e) in zip(got, gradient) { XCTAssertEqual(Double(g), e, accuracy: 1e-3 * abs(e) + 1e-3) }
        // Per unit of error, the near-clean sample (errors ≤ 0.001) weighs ~10⁴× more than the damaged one (≤ 0.1).
        let perUnit = { (k: Int) in abs(gradient[k]) / abs(Double(p[k]) - Double(t[k])) }
        XCTAssertGreaterThan(perUnit(2 * n), 100 * perUnit(0))
    }

    /// L1 and L2 are PyTorch's `F.l1_loss` and `F.mse_loss` times the weight.
    func testL1AndL2AreMeanAbsoluteAndSquaredErrors() {
        let (p, t, shape) = pair()
        let d = zip(p, t).map { Double($0) - Double($1) }
        let l1 = PixelLoss.l1(Tensor(shape: shape, values: p), Tensor(shape: shape, values: t), weight: 3)
        let l2 = PixelLoss.l2(Tensor(shape: shape, values: p), Tensor(shape: shape, values: t))
        XCTAssertEqual(Double(l1.scalar), 3 * d.map(abs).reduce(0, +) / Double(d.count), accuracy: 1e-6)
        XCTAssertEqual(Double(l2.scalar), d.map { $0 * $0 }.reduce(0, +) / Double(d.count), accuracy: 1e-8)
        XCTAssertEqual(Set(PixelLoss.allCases.map(\.rawValue)), ["l1", "l2", "psnr"])
    }
}
