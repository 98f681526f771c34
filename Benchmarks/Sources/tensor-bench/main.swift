// Times WildTensor's 3×3 convolution (oneDNN) forward and backward (input and weight gradients) at batch 1,
// Cin = Cout = C, padding 1, for the feature-map sizes of an image-restoration U-Net. Prints JSON lines
// {"library": "wildir", "case": ..., "median_ms": ..., "gflops": ...} for Benchmarks/compare.py;
// Benchmarks/tensor_reference.py times PyTorch the same way.
// Usage: tensor-bench [RUNS] [C …]   (only the given channel counts; oneDNN's thread count is OpenMP's: OMP_NUM_THREADS, default one per core)
import BenchSupport
import Foundation
import WildTensor

let runs = CommandLine.arguments.count >= 2 ? max(Int(CommandLine.arguments[1]) ?? 7, 5) : 7
let warmups = 2
let only = Set(CommandLine.arguments.dropFirst(2).compactMap { Int($0) })

/// Deterministic values in [-scale, scale) (the numbers do not matter for timing, only that they are not denormal).
func values(_ count: Int, scale: Float, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
    }
}

/// Median of `runs` timings after `warmups` untimed calls.
func measure(_ body: () -> Void) -> [Double] {
    for _ in 0..<warmups { body() }
    return (0..<runs).map { _ in milliseconds(body) }
}

for (channels, size) in [(64, 256), (128, 128), (256, 64), (512, 32)] where only.isEmpty || only.contains(channels) {
    let x = Tensor(shape: [1, channels, size, size], values: values(channels * size * size, scale: 1, seed: 1), requiresGrad: true)
    let w = Tensor(shape: [channels, channels, 3, 3], values: values(channels * channels * 9, scale: 1 / Float(channels * 9).squareRoot(), seed: 2),
                   requiresGrad: true)
    let b = Tensor(shape: [channels], values: values(channels, scale: 0.1, seed: 3), requiresGrad: true)
    let flops = 2 * Double(channels) * Double(size * size) * Double(channels * 9)
    let name = "conv3x3_c\(channels)_\(size)x\(size)"

    let forward = measure { _ = withNoGrad { x.conv2d(weight: w, bias: b, padding: 1) } }
    report("\(name)_forward", forward, extra: ["gflops": flops / median(forward) / 1e6])

    // Backward = input gradient + weight (and bias) gradient: twice the forward's FLOPs.
    let y = x.conv2d(weight: w, bias: b, padding: 1)
    let gy = Tensor(shape: y.shape, values: values(y.count, scale: 1, seed: 4))
    let backward = measure {
        x.zeroGrad(); w.zeroGrad(); b.zeroGrad()
        y.backward(gy, retainGraph: true)
    }
    report("\(name)_backward", backward, extra: ["gflops": 2 * flops / median(backward) / 1e6])
}
