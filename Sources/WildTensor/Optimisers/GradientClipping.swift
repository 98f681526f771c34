import Foundation
import Parallelism

/// Scales the gradients of `parameters` so that their total norm is at most `maxNorm`, with the semantics of
/// PyTorch's `torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)`; returns the total norm before
/// clipping.
///
/// The total norm is the p-norm of the per-gradient p-norms (as if all gradients were one vector); every
/// gradient is then multiplied by `min(maxNorm / (total + 1e-6), 1)` — always, even when the factor is 1, as
/// PyTorch does. Parameters without a gradient are ignored; with none at all the result is 0. Non-finite norms
/// are not an error (PyTorch's default `error_if_nonfinite=False`): the gradients then become NaN.
///
/// Precision: each gradient's norm is accumulated in Double and rounded to Float32 (PyTorch returns a float32
/// norm per tensor), the total likewise, and the factor is computed in Float32 as PyTorch evaluates
/// `max_norm / (total_norm + 1e-6)` (reciprocal, then product). Accumulation runs in fixed blocks, so the result
/// does not depend on the number of threads.
///
/// - Parameters:
///   - maxNorm: the largest total norm allowed.
///   - normType: p > 0, or `.infinity` for the largest absolute value. Default 2.
@discardableResult
public func clipGradientNorm(_ parameters: [(name: String, tensor: Tensor)], maxNorm: Double, normType: Double = 2) -> Float {
    clipGradientNorm(parameters.map(\.tensor), maxNorm: maxNorm, normType: normType)
}

/// `clipGradientNorm` over unnamed tensors.
@discardableResult
public func clipGradientNorm(_ tensors: [Tensor], maxNorm: Double, normType: Double = 2) -> Float {
    precondition(normType > 0, "clipGradientNorm: norm type \(normType) must be positive or infinity")
    let grads = tensors.compactMap(\.grad)
    guard !grads.isEmpty else { return 0 }
    let norms = grads.map { GradientNorm.norm($0, normType) }
    let total: Float
    if normType == .infinity {
        total = norms.max()!
    } else {
        total = GradientNorm.combine(norms.map(Double.init), normType)
    }
    let coefficient = (1 / (total + Float(1e-6))) * Float(maxNorm)
    let clamped = coefficient > 1 ? 1 : coefficient
    for grad in grads {
        let g = UncheckedSendableBox(grad.storage.pointer)
        Elementwise.forEachChunk(grad.count) { range in
            for i in range { g.value[i] *= clamped }
        }
    }
    return total
}

/// Norms of gradient tensors, accumulated deterministically.
enum GradientNorm {
    /// Elements summed sequentially per block; blocks are summed in order, whatever the thread count.
    static let block = 1 << 16

    /// The p-norm of `tensor` (largest |x| for p = ∞), rounded to Float32.
    static func norm(_ tensor: Tensor, _ p: Double) -> Float {
        let n = tensor.count
        let blocks = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: Swift.max(blocks, 1))
        let x = UncheckedSendableBox(tensor.storage.pointer)
        partial.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendableBox(buffer.baseAddress!)
            EngineParallel.chunks(blocks, minimumPerChunk: 1) { range in
                for b in range {
                    let lower = b * block, upper = Swift.min(n, lower + block)
                    var sum = 0.0
                    if p == .infinity {
                        for i in lower..<upper { sum = Swift.max(sum, Double(abs(x.value[i]))) }
                    } else if p == 2 {
                        for i in lower..<upper { let v = Double(x.value[i]); sum += v * v }
                    } else if p == 1 {
                        for i in lower..<upper { sum += Double(abs(x.value[i])) }
                    } else {
                        for i in lower..<upper { sum += pow(Double(abs(x.value[i])), p) }
                    }
                    out.value[b] = sum
                }
            }
        }
        if p == .infinity { return Float(partial.max()!) }
        return combine(partial, p, alreadyPowered: true)
    }

    /// The p-norm of `values` (or, when `alreadyPowered`, the p-th root of their sum), rounded to Float32.
    static func combine(_ values: [Double], _ p: Double, alreadyPowered: Bool = false) -> Float {
        var sum = 0.0
        for v in values { sum += alreadyPowered ? v : (p == 2 ? v * v : pow(abs(v), p)) }
        if p == 2 { return Float(sum.squareRoot()) }
        if p == 1 { return Float(sum) }
        return Float(pow(sum, 1 / p))
    }
}
