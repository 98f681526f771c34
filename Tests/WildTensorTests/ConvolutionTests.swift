import Foundation
import TestSupport
@testable import WildTensor
import XCTest

/// `conv2d` on oneDNN against PyTorch (`Tests/Fixtures/tensor/convolution.safetensors`, made by
/// `Tools/fixtures/tensor_convolution.py`), finite differences, the fused activations and the primitive cache.
final class ConvolutionTests: XCTestCase {
    /// Every fixture case: forward within 1e-4 and every gradient within 1e-3 of PyTorch (float64), relative to
    /// the largest reference magnitude. The worst errors are printed for the record.
    func testParityWithPyTorch() throws {
        let fixture = try ParityFixture("convolution")
        XCTAssertEqual(fixture.cases.count, 14, "every case tensor_convolution.py writes")
        var results: [ParityResult] = []
        for name in fixture.cases {
            results.append(fixture.check(name) { inputs, params in
                Self.convolve(inputs, params)
            })
        }
        let worstForward = results.max { $0.forward < $1.forward }
        let worstGradient = results.max { ($0.gradients.max() ?? 0) < ($1.gradients.max() ?? 0) }
        print(String(format: "conv2d parity: %d cases, worst forward %.2e (%@), worst gradient %.2e (%@)", results.count,
                     worstForward?.forward ?? .nan, worstForward?.name ?? "-",
                     worstGradient?.gradients.max() ?? .nan, worstGradient?.name ?? "-"))
    }

    /// The bias gradient alone (weight frozen) takes the reduction path instead of oneDNN's backward-weights.
    func testBiasGradientWithFrozenWeight() throws {
        let fixture = try ParityFixture("convolution")
        let name = "k3x3_stride2"
        guard let x = fixture.input(name, 0), let w = fixture.input(name, 1), let b = fixture.input(name, 2),
              let gy = fixture.array("\(name).gy"), let gb = fixture.array("\(name).gx2") else {
            return XCTFail("fixture case \(name) incomplete")
        }
        w.requiresGrad = false
        let y = Self.convolve([x, w, b], fixture.parameters(name))
        y.backward(Tensor(shape: gy.shape, values: gy.values.map(Float.init)))
        XCTAssertNil(w.grad)
        XCTAssertLessThanOrEqual(relativeError(try XCTUnwrap(b.grad).values, gb.values), 1e-4)
        XCTAssertLessThanOrEqual(relativeError(try XCTUnwrap(x.grad).values, try XCTUnwrap(fixture.array("\(name).gx0")).values), 1e-3)
    }

    /// Central differences against backward on a small asymmetric-padding, stride-2 case.
    ///
    /// The loss `Σ r·conv(x, w, b)` is linear in each of x, w and b separately, so the central difference has no
    /// truncation error: what is left is Float rounding of the outputs (≈ fan-in · 6e-8 · |y| ≈ 1e-6 each), divided
    /// by 2h = 0.02 and summed over the ≤ 12 outputs one element touches, about 1e-3 absolute on gradients of
    /// order 1–10. The loss itself is summed in Double. A tolerance of 5e-3 relative (to the largest gradient)
    /// is therefore loose but still catches any indexing or layout error, which produces O(1) errors.
    func testFiniteDifferenceGradients() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func values(_ n: Int) -> [Float] {
            (0..<n).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(state >> 40) / Float(1 << 24) * 2 - 1
            }
        }
        let x = Tensor(shape: [2, 4, 6, 5], values: values(240), requiresGrad: true)
        let w = Tensor(shape: [6, 2, 3, 3], values: values(108), requiresGrad: true)
        let b = Tensor(shape: [6], values: values(6), requiresGrad: true)
        let padding = Padding2D(top: 1, left: 0, bottom: 2, right: 1)
        func forward() -> Tensor { x.conv2d(weight: w, bias: b, stride: (2, 1), padding: padding, groups: 2) }
        let shape = withNoGrad { forward().shape }
        let r = Tensor(shape: shape, values: values(shape.elementCount))
        func loss() -> Double {
            withNoGrad { zip(forward().values, r.values).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        }
        forward().backward(r)
        let h: Float = 1e-2
        var worst = 0.0
        for (name, tensor) in [("x", x), ("w", w), ("b", b)] {
            guard let analytic = tensor.grad?.values else { return XCTFail("\(name): no gradient") }
            var numeric = [Double](repeating: 0, count: tensor.count)
            for i in 0..<tensor.count {
                let saved = tensor.withUnsafeBufferPointer { $0[i] }
                tensor.withUnsafeMutableBufferPointer { $0[i] = saved + h }
                let plus = loss()
                tensor.withUnsafeMutableBufferPointer { $0[i] = saved - h }
                let minus = loss()
                tensor.withUnsafeMutableBufferPointer { $0[i] = saved }
                numeric[i] = (plus - minus) / Double(2 * h)
            }
            let error = relativeError(analytic, numeric)
            worst = max(worst, error)
            XCTAssertLessThanOrEqual(error, 5e-3, "\(name): backward vs central differences")
        }
        print(String(format: "conv2d finite differences: worst relative error %.2e", worst))
    }

    /// A CHW input is a batch of one: the same values as NCHW, the batch axis dropped, gradients of CHW shape.
    func testCHWInputIsABatchOfOne() {
        let x = Tensor(shape: [3, 7, 6], values: (0..<126).map { Float($0 % 11) / 11 - 0.4 }, requiresGrad: true)
        let w = Tensor(shape: [4, 3, 3, 3], values: (0..<108).map { Float($0 % 7) / 7 - 0.5 })
        let y3 = x.conv2d(weight: w, bias: nil, padding: 1)
        let y4 = withNoGrad { x.reshaped([1, 3, 7, 6]).conv2d(weight: w, bias: nil, padding: 1) }
        XCTAssertEqual(y3.shape, [4, 7, 6])
        XCTAssertEqual(y3.values, y4.values)
        y3.sum().backward()
        XCTAssertEqual(x.grad?.shape, [3, 7, 6])
    }

    /// `padding: 1`, `.same(1)`, `.symmetric(1, 1)` and `keepingSize(3, 3)` are the same; PyTorch's "same" for an
    /// even kernel puts the extra row and column at the bottom and right.
    func testPaddingForms() {
        let one: Padding2D = 1
        XCTAssertEqual(one, .same(1))
        XCTAssertEqual(one, .symmetric(1, 1))
        XCTAssertEqual(one, .keepingSize(kernelHeight: 3, kernelWidth: 3))
        XCTAssertEqual(Padding2D.keepingSize(kernelHeight: 4, kernelWidth: 2), Padding2D(top: 1, left: 0, bottom: 2, right: 1))
        let x = Tensor(shape: [1, 2, 5, 6], repeating: 1)
        let y = x.conv2d(weight: Tensor(shape: [3, 2, 4, 2], repeating: 1), bias: nil,
                         padding: .keepingSize(kernelHeight: 4, kernelWidth: 2))
        XCTAssertEqual(y.shape, [1, 3, 5, 6])
    }

    /// Each fused activation equals the convolution followed by the activation.
    func testFusedActivationsMatchSeparateActivation() {
        let x = Tensor(shape: [2, 8, 9, 7], values: (0..<1008).map { sin(Float($0) * 0.37) * 2 })
        let w = Tensor(shape: [16, 8, 3, 3], values: (0..<1152).map { cos(Float($0) * 0.11) * 0.2 })
        let b = Tensor(shape: [16], values: (0..<16).map { Float($0) * 0.05 - 0.4 })
        let plain = withNoGrad { x.conv2d(weight: w, bias: b, stride: (1, 2), padding: Padding2D(top: 1, left: 2, bottom: 0, right: 1)) }
        let cases: [(FusedActivation, (Double) -> Double)] = [
            (.relu, { max($0, 0) }),
            (.leakyReLU(negativeSlope: 0.2), { $0 >= 0 ? $0 : 0.2 * $0 }),
            (.silu, { $0 / (1 + exp(-$0)) }),
            (.gelu, { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }),
            (.quickGELU, { $0 / (1 + exp(-1.702 * $0)) }),
        ]
        for (activation, reference) in cases {
            let fused = withNoGrad {
                x.conv2d(weight: w, bias: b, stride: (1, 2), padding: Padding2D(top: 1, left: 2, bottom: 0, right: 1),
                         fusedActivation: activation)
            }
            XCTAssertEqual(fused.shape, plain.shape)
            XCTAssertNil(fused.gradFunction)
            let expected = plain.values.map { reference(Double($0)) }
            XCTAssertLessThanOrEqual(relativeError(fused.values, expected), 1e-5, "\(activation)")
        }
    }

    /// A primitive is created once per geometry and pass, then reused: the same primitives serve every later call.
    /// (Looked up by key rather than counted, so work elsewhere in the process cannot disturb the test.)
    func testPrimitiveCacheCreatesOncePerShape() throws {
        let cache = ConvolutionPrimitiveCache.shared
        let x = Tensor(shape: [1, 3, 11, 13], repeating: 0.5, requiresGrad: true)
        let w = Tensor(shape: [5, 3, 2, 3], repeating: 0.25, requiresGrad: true)
        let padding = Padding2D(top: 2, left: 0, bottom: 1, right: 3)
        let g = ConvolutionGeometry(batch: 1, inChannels: 3, height: 11, width: 13, outChannels: 5, kernelH: 2, kernelW: 3,
                                    strideH: 3, strideW: 2, padTop: 2, padLeft: 0, padBottom: 1, padRight: 3, groups: 1, hasBias: false)
        let passes: [ConvolutionPass] = [.forward(nil), .backwardData, .backwardWeights]
        XCTAssertTrue(passes.allSatisfy { cache.cached(g, $0) == nil }, "a geometry no other test uses")
        let y = x.conv2d(weight: w, bias: nil, stride: (3, 2), padding: padding)
        let forward = try XCTUnwrap(cache.cached(g, .forward(nil)), "forward")
        XCTAssertNil(cache.cached(g, .backwardData))
        y.sum().backward()
        let backward = try passes.dropFirst().map { try XCTUnwrap(cache.cached(g, $0), "backward data and weights") }
        for _ in 0..<3 {
            x.conv2d(weight: w, bias: nil, stride: (3, 2), padding: padding).sum().backward()
        }
        XCTAssertTrue(cache.cached(g, .forward(nil)) === forward, "no new primitive for a shape seen before")
        for (pass, primitive) in zip(passes.dropFirst(), backward) { XCTAssertTrue(cache.cached(g, pass) === primitive, "\(pass)") }
    }

    /// Without gradient mode nothing is recorded.
    func testNoGradRecordsNothing() {
        let x = Tensor(shape: [1, 2, 4, 4], repeating: 1, requiresGrad: true)
        let w = Tensor(shape: [2, 2, 3, 3], repeating: 1, requiresGrad: true)
        let y = withNoGrad { x.conv2d(weight: w, bias: nil, padding: 1) }
        XCTAssertNil(y.gradFunction)
        // The centre of a 3×3 all-ones kernel over 2 channels of ones: 18; a corner sees 2×2 per channel: 8.
        XCTAssertEqual(y[0, 0, 1, 1], 18)
        XCTAssertEqual(y[0, 1, 0, 0], 8)
    }

    /// An empty batch gives an empty output of the right shape, and zero gradients.
    func testEmptyBatch() {
        let x = Tensor(shape: [0, 3, 5, 5], values: [], requiresGrad: true)
        let w = Tensor(shape: [4, 3, 3, 3], repeating: 1, requiresGrad: true)
        let y = x.conv2d(weight: w, bias: nil, stride: (2, 2), padding: 1)
        XCTAssertEqual(y.shape, [0, 4, 3, 3])
        y.sum().backward()
        XCTAssertEqual(w.grad?.values, [Float](repeating: 0, count: 108))
    }

    /// Convolutions from several threads at once (primitive creation and execution are serialised inside) give
    /// the same results as one after another.
    func testConcurrentCallsAgreeWithSerialCalls() {
        let shapes = [(3, 9), (8, 12), (16, 7), (5, 10)]
        let inputs = shapes.map { c, s in
            (Tensor(shape: [1, c, s, s], values: (0..<(c * s * s)).map { sin(Float($0)) }),
             Tensor(shape: [6, c, 3, 3], values: (0..<(6 * c * 9)).map { cos(Float($0)) * 0.1 }))
        }
        let serial = inputs.map { x, w in withNoGrad { x.conv2d(weight: w, bias: nil, padding: 1).values } }
        let results = UncheckedResults(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let (x, w) = inputs[i % inputs.count]
            results.set(i, withNoGrad { x.conv2d(weight: w, bias: nil, padding: 1).values })
        }
        for i in 0..<16 { XCTAssertEqual(results.get(i), serial[i % inputs.count], "call \(i)") }
    }

    /// The weight gradient uses oneDNN's automatic algorithm (Winograd where it has it, as on AVX-512 machines at
    /// C = 256, 32×32); it and the direct algorithm are each checked against the same independent float64 sum
    /// gW[o, c, i, j] = Σ_yx gY[o, y, x]·x[c, y + i − 1, x + j − 1] (and gB[o] = Σ_yx gY[o, y, x]), so the test
    /// checks both whether or not this CPU gives them different implementations.
    func testAutomaticAndDirectWeightGradientsMatchAFloat64Sum() throws {
        let g = ConvolutionGeometry(batch: 1, inChannels: 256, height: 32, width: 32, outChannels: 256, kernelH: 3, kernelW: 3,
                                    strideH: 1, strideW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 1, hasBias: true)
        let context = try DNNL.context()
        let automatic = try ConvolutionPrimitive(g, .backwardWeights, algorithm: .automatic, context: context)
        let direct = try ConvolutionPrimitive(g, .backwardWeights, algorithm: .direct, context: context)
        let x = Tensor(shape: g.sourceDims, values: (0..<g.sourceDims.elementCount).map { sin(Float($0) * 0.7) })
        let gy = Tensor(shape: g.destinationDims, values: (0..<g.destinationDims.elementCount).map { cos(Float($0) * 0.3) })
        let (referenceWeights, referenceBias) = Self.weightGradient(x: x.values, gy: gy.values, channels: 256, size: 32)
        for primitive in [automatic, direct] {
            let gw = Tensor.zeros([256, 256, 3, 3]), gb = Tensor.zeros([256])
            try primitive.run([DNNL.Argument.source: x.storage.pointer, DNNL.Argument.destinationGradient: gy.storage.pointer,
                               DNNL.Argument.weightsGradient: gw.storage.pointer, DNNL.Argument.biasGradient: gb.storage.pointer], context: context)
            let weightError = relativeError(gw.values, referenceWeights)
            let biasError = relativeError(gb.values, referenceBias)
            print(String(format: "weight gradient, %@: relative error %.2e (bias %.2e) against float64",
                         primitive.primitive.implementation, weightError, biasError))
            XCTAssertLessThanOrEqual(weightError, 1e-4, primitive.primitive.implementation)
            XCTAssertLessThanOrEqual(biasError, 1e-5, primitive.primitive.implementation)
        }
    }

    /// The 3×3, padding-1, stride-1 weight and bias gradients of a single-image convolution with `channels` input and
    /// output channels on `size × size`, in float64.
    static func weightGradient(x: [Float], gy: [Float], channels: Int, size: Int) -> (weights: [Double], bias: [Double]) {
        let plane = size * size
        let output = gy.map(Double.init)
        var weights = [Double](repeating: 0, count: channels * channels * 9)
        var shifted = [Double](repeating: 0, count: plane)
        for c in 0..<channels {
            for i in 0..<3 {
                for j in 0..<3 {
                    // x[c] shifted by (i − 1, j − 1), zero outside.
                    for y in 0..<size {
                        for column in 0..<size {
                            let (sy, sx) = (y + i - 1, column + j - 1)
                            shifted[y * size + column] = (0..<size).contains(sy) && (0..<size).contains(sx) ? Double(x[c * plane + sy * size + sx]) : 0
                        }
                    }
                    shifted.withUnsafeBufferPointer { s in
                        output.withUnsafeBufferPointer { o in
                            for out in 0..<channels {
                                // Four running sums (the plane is a multiple of 4), so the loop is not one long chain.
                                var sum = SIMD4<Double>()
                                let row = o.baseAddress! + out * plane
                                for k in stride(from: 0, to: plane, by: 4) {
                                    sum += SIMD4(row[k], row[k + 1], row[k + 2], row[k + 3]) * SIMD4(s[k], s[k + 1], s[k + 2], s[k + 3])
                                }
                                weights[((out * channels + c) * 3 + i) * 3 + j] = sum.sum()
                            }
                        }
                    }
                }
            }
        }
        let bias = (0..<channels).map { out in output[(out * plane)..<((out + 1) * plane)].reduce(0, +) }
        return (weights, bias)
    }

    /// The case's inputs run through `conv2d` with its stored parameters.
    static func convolve(_ inputs: [Tensor], _ params: [String: Any]) -> Tensor {
        let stride = params.ints("stride"), p = params.ints("padding")
        return inputs[0].conv2d(weight: inputs[1], bias: params.bool("bias") ? inputs[2] : nil,
                                stride: (stride[0], stride[1]),
                                padding: Padding2D(top: p[0], left: p[1], bottom: p[2], right: p[3]),
                                groups: params.int("groups"))
    }
}

/// Results written by concurrent iterations, one slot each.
private final class UncheckedResults: @unchecked Sendable {
    private var slots: [[Float]]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ i: Int, _ value: [Float]) { lock.lock(); slots[i] = value; lock.unlock() }
    func get(_ i: Int) -> [Float] { lock.lock(); defer { lock.unlock() }; return slots[i] }
}
