import WildTensor
import XCTest

final class NormalisationTests: XCTestCase {
    func testMatchesPyTorch() throws {
        try OperationCases.run(["group_norm", "layer_norm", "channel_layer_norm"]) { op, inputs, p in
            let x = inputs[0], eps = p.float("eps")
            switch op {
            case "group_norm":
                return x.groupNorm(groups: p.int("groups"), weight: inputs.count > 1 ? inputs[1] : nil,
                                   bias: inputs.count > 2 ? inputs[2] : nil, eps: eps)
            case "layer_norm":
                return x.layerNorm(weight: inputs.count > 1 ? inputs[1] : nil, bias: inputs.count > 2 ? inputs[2] : nil, eps: eps)
            default:
                return x.channelLayerNorm(gain: inputs[1], eps: eps)
            }
        }
    }

    func testFiniteDifferences() {
        let x = FiniteDifference.input([2, 4, 2, 3], seed: 21, in: -2...2)
        let w = FiniteDifference.input([4], seed: 22, in: 0.5...1.5), b = FiniteDifference.input([4], seed: 23)
        FiniteDifference.check("groupNorm", [x, w, b]) { $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2]) }
        let rows = FiniteDifference.input([3, 6], seed: 24, in: -2...2)
        let lw = FiniteDifference.input([6], seed: 25, in: 0.5...1.5), lb = FiniteDifference.input([6], seed: 26)
        FiniteDifference.check("layerNorm", [rows, lw, lb]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        let g = FiniteDifference.input([1, 4, 1, 1], seed: 27, in: 0.5...1.5), cb = FiniteDifference.input([4], seed: 28)
        FiniteDifference.check("channelLayerNorm", [x, g, cb]) { $0[0].channelLayerNorm(gain: $0[1], bias: $0[2]) }
    }

    // Composite definitions from differentiable primitives (mean, biased variance, broadcasting arithmetic).

    private func compositeGroupNorm(_ x: Tensor, groups: Int, weight: Tensor, bias: Tensor, eps: Float) -> Tensor {
        let n = x.shape[0], c = x.shape[1]
        let grouped = x.reshaped([n, groups, -1])
        let mean = grouped.mean(axes: [2], keepDims: true)
        let variance = grouped.variance(axes: [2], unbiased: false, keepDims: true)
        let normalised = ((grouped - mean) / (variance + eps).sqrt()).reshaped(x.shape)
        var affine = [1, c]
        affine += [Int](repeating: 1, count: x.rank - 2)
        return normalised * weight.reshaped(affine) + bias.reshaped(affine)
    }

    private func compositeChannelNorm(_ x: Tensor, gain: Tensor, eps: Float) -> Tensor {
        let mean = x.mean(axes: [1], keepDims: true)
        let variance = x.variance(axes: [1], unbiased: false, keepDims: true)
        return (x - mean) * (variance + eps).rsqrt() * gain
    }

    /// Inputs big enough for the parallel paths (several blocks with partial parameter gradients) must equal the
    /// composite definitions, forward and backward.
    func testMatchesCompositeOnLargeInputs() {
        let shape = [2, 64, 33, 31]
        let data = Check.tensor(shape, seed: 31, in: -2...3), upstream = Check.tensor(shape, seed: 32)
        let weightValues = Check.tensor([64], seed: 33, in: 0.5...1.5).values, biasValues = Check.tensor([64], seed: 34).values
        func leaves() -> (Tensor, Tensor, Tensor) {
            (Tensor(shape: shape, values: data.values, requiresGrad: true),
             Tensor(shape: [64], values: weightValues, requiresGrad: true), Tensor(shape: [64], values: biasValues, requiresGrad: true))
        }
        do {
            let (x1, w1, b1) = leaves(), (x2, w2, b2) = leaves()
            let y1 = x1.groupNorm(groups: 32, weight: w1, bias: b1, eps: 1e-6)
            let y2 = compositeGroupNorm(x2, groups: 32, weight: w2, bias: b2, eps: 1e-6)
            Check.close(y1, y2, 1e-5, "groupNorm forward")
            y1.backward(upstream)
            y2.backward(upstream)
            Check.close(x1.grad!, x2.grad!, 1e-4, "groupNorm dx")
            Check.close(w1.grad!, w2.grad!, 1e-4, "groupNorm dweight")
            Check.close(b1.grad!, b2.grad!, 1e-4, "groupNorm dbias")
        }
        do {
            let (x1, g1, _) = leaves(), (x2, g2, _) = leaves()
            let gain1 = g1.reshaped([1, 64, 1, 1]), gain2 = g2.reshaped([1, 64, 1, 1])
            let y1 = x1.channelLayerNorm(gain: gain1)
            let y2 = compositeChannelNorm(x2, gain: gain2, eps: 1e-5)
            Check.close(y1, y2, 1e-5, "channelLayerNorm forward")
            y1.backward(upstream)
            y2.backward(upstream)
            Check.close(x1.grad!, x2.grad!, 1e-4, "channelLayerNorm dx")
            Check.close(g1.grad!, g2.grad!, 1e-4, "channelLayerNorm dgain")
        }
        do {
            let rows = [2, 1023, 64]
            let values = Check.tensor(rows, seed: 35, in: -2...3).values, up = Check.tensor(rows, seed: 36)
            let x1 = Tensor(shape: rows, values: values, requiresGrad: true), x2 = Tensor(shape: rows, values: values, requiresGrad: true)
            func leaf(_ v: [Float]) -> Tensor { Tensor(shape: [64], values: v, requiresGrad: true) }
            let w1 = leaf(weightValues), w2 = leaf(weightValues), b1 = leaf(biasValues), b2 = leaf(biasValues)
            let y1 = x1.layerNorm(weight: w1, bias: b1)
            let mean = x2.mean(axes: [-1], keepDims: true), variance = x2.variance(axes: [-1], unbiased: false, keepDims: true)
            let y2 = (x2 - mean) / (variance + 1e-5).sqrt() * w2 + b2
            Check.close(y1, y2, 1e-5, "layerNorm forward")
            y1.backward(up)
            y2.backward(up)
            Check.close(x1.grad!, x2.grad!, 1e-4, "layerNorm dx")
            Check.close(w1.grad!, w2.grad!, 1e-4, "layerNorm dweight")
            Check.close(b1.grad!, b2.grad!, 1e-4, "layerNorm dbias")
        }
    }

    /// A large common offset must not destroy the variance (two-pass statistics, not E[x²] − E[x]²).
    func testLargeOffsetKeepsPrecision() {
        let base = Check.tensor([1, 8, 16, 16], seed: 37)
        let shifted = base + 1000
        Check.close(shifted.groupNorm(groups: 2), base.groupNorm(groups: 2), 2e-3, "groupNorm with offset")
        let gain = Tensor.ones([1, 8, 1, 1])
        Check.close(shifted.channelLayerNorm(gain: gain), base.channelLayerNorm(gain: gain), 2e-3, "channelLayerNorm with offset")
    }

    func testFrozenParametersGetNoGradient() {
        let x = FiniteDifference.input([2, 4, 3, 3], seed: 38)
        let w = Tensor.ones([4]), b = Tensor.zeros([4])
        x.groupNorm(groups: 2, weight: w, bias: b).sum().backward()
        XCTAssertNotNil(x.grad)
        XCTAssertNil(w.grad)
        XCTAssertNil(b.grad)
    }

    /// Empty batches go through without touching memory.
    func testEmptyBatch() {
        let x = Tensor(shape: [0, 4, 3, 3], values: [], requiresGrad: true)
        let gain = Tensor(shape: [1, 4, 1, 1], repeating: 1, requiresGrad: true)
        let w = Tensor(shape: [4], repeating: 1, requiresGrad: true)
        x.channelLayerNorm(gain: gain).sum().backward()
        x.groupNorm(groups: 2, weight: w, bias: nil).sum().backward()
        let rows = Tensor(shape: [0, 5], values: [], requiresGrad: true)
        rows.layerNorm(weight: Tensor(shape: [5], repeating: 1, requiresGrad: true)).sum().backward()
        XCTAssertEqual(gain.grad?.values, [0, 0, 0, 0])
        XCTAssertEqual(w.grad?.values, [0, 0, 0, 0])
    }
}
