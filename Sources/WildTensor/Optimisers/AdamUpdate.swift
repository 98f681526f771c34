import Foundation
import Parallelism

/// The elementwise Adam / AdamW update of one parameter tensor, as PyTorch's `_single_tensor_adam` computes it
/// in float32 (`torch/optim/adam.py`; the path `torch.optim.Adam` and `AdamW` take on the CPU).
///
/// Per element, in this order and rounding to Float32 after every operation as PyTorch's kernels do:
///
///     g  = maximize ? −grad : grad
///     g  = g + weight_decay · p                       (Adam only: L2 penalty added to the gradient)
///     p  = p · (1 − lr · weight_decay)                (AdamW only: decoupled decay, factor rounded once)
///     m  = lerp(m, g, 1 − β1)                         (m + w·(g − m); g + (w − 1)·(g − m) when w ≥ 0.5)
///     v  = v · β2;  v = v + ((1 − β2) · g) · g
///     v̂ = max(v̂, v)                                   (amsgrad only; v̂ replaces v below)
///     d  = √v / √(1 − β2^t) + ε
///     p  = p + (−lr / (1 − β1^t)) · m / d             (PyTorch `addcdiv`: (value · m) / d)
///
/// The scalar factors are computed in Double (Python floats) and rounded to Float32 once, as PyTorch passes them
/// to its kernels. Results agree with PyTorch to about one float32 ulp per step, not bit for bit: PyTorch's
/// vectorised CPU kernels fuse some multiply-adds (lerp, `add` with alpha, `addcmul`), which Swift cannot do
/// without hardware-specific compiler flags, and the float32 square root of the PyTorch 2.15 CPU build used for
/// the fixtures is not always correctly rounded (up to 0.75 ulp), while this one is. Results here are
/// bit-identical from run to run and for any thread count.
enum AdamUpdate {
    /// The scalars of one step, already rounded to Float32.
    struct Constants {
        var sign: Float           // −1 when maximising
        var l2: Float             // Adam's weight decay (0 for AdamW)
        var decay: Float          // AdamW's 1 − lr·wd (1 for Adam or wd = 0)
        var lerpWeight: Float     // 1 − β1
        var lerpSmall: Bool       // |1 − β1| < 0.5: PyTorch's lerp formula choice
        var beta2: Float
        var oneMinusBeta2: Float
        var biasCorrection2Sqrt: Float
        var epsilon: Float
        var negativeStepSize: Float

        init(step: Int, learningRate lr: Double, beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double,
             decoupled: Bool, maximize: Bool) {
            let biasCorrection1 = 1 - pow(beta1, Double(step))
            let biasCorrection2 = 1 - pow(beta2, Double(step))
            sign = maximize ? -1 : 1
            l2 = decoupled || weightDecay == 0 ? 0 : Float(weightDecay)
            decay = decoupled && weightDecay != 0 ? Float(1 - lr * weightDecay) : 1
            lerpWeight = Float(1 - beta1)
            lerpSmall = abs(lerpWeight) < 0.5
            self.beta2 = Float(beta2)
            oneMinusBeta2 = Float(1 - beta2)
            biasCorrection2Sqrt = Float(pow(biasCorrection2, 0.5))
            self.epsilon = Float(epsilon)
            negativeStepSize = Float(-(lr / biasCorrection1))
        }
    }

    /// Updates `param`, `expAvg`, `expAvgSq` (and `maxExpAvgSq` when given) in place from `grad`.
    static func apply(
        param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor?, _ c: Constants
    ) {
        let p = UncheckedSendableBox(param.storage.pointer), g = UncheckedSendableBox(grad.storage.pointer)
        let m = UncheckedSendableBox(expAvg.storage.pointer), v = UncheckedSendableBox(expAvgSq.storage.pointer)
        let vmax = UncheckedSendableBox(maxExpAvgSq?.storage.pointer)
        Elementwise.forEachChunk(param.count) { range in
            if let vmax = vmax.value {
                updateAMSGrad(range, p.value, g.value, m.value, v.value, vmax, c)
            } else {
                update(range, p.value, g.value, m.value, v.value, c)
            }
        }
    }

    // The loops run four lanes at a time with SIMD4 and finish with single elements; both compute the same
    // operations, so results do not depend on where a chunk boundary falls. Every constant is a local value so
    // that it stays in a register.

    private static func update(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: Constants
    ) {
        let sign = c.sign, l2 = c.l2, decay = c.decay, small = c.lerpSmall
        let lerp = c.lerpSmall ? c.lerpWeight : c.lerpWeight - 1
        let beta2 = c.beta2, oneMinusBeta2 = c.oneMinusBeta2, correction = c.biasCorrection2Sqrt
        let epsilon = c.epsilon, stepSize = c.negativeStepSize
        var i = range.lowerBound
        while i + 4 <= range.upperBound {
            let gv = Lanes.load(g + i), pv = Lanes.load(p + i), mv = Lanes.load(m + i), vv = Lanes.load(v + i)
            let gi = (gv * sign) + l2 * pv
            let pi = pv * decay
            let mi = (small ? mv : gi) + lerp * (gi - mv)
            let vi = vv * beta2 + (oneMinusBeta2 * gi) * gi
            Lanes.store(mi, m + i)
            Lanes.store(vi, v + i)
            Lanes.store(pi + (stepSize * mi) / (Lanes.squareRoot(vi) / correction + epsilon), p + i)
            i += 4
        }
        while i < range.upperBound {
            let gi = (g[i] * sign) + l2 * p[i]
            let pi = p[i] * decay
            let mi = (small ? m[i] : gi) + lerp * (gi - m[i])
            let vi = v[i] * beta2 + (oneMinusBeta2 * gi) * gi
            m[i] = mi
            v[i] = vi
            p[i] = pi + (stepSize * mi) / (vi.squareRoot() / correction + epsilon)
            i += 1
        }
    }

    private static func updateAMSGrad(
        _ range: Range<Int>, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
        _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ vmax: UnsafeMutablePointer<Float>,
        _ c: Constants
    ) {
        let sign = c.sign, l2 = c.l2, decay = c.decay, small = c.lerpSmall
        let lerp = c.lerpSmall ? c.lerpWeight : c.lerpWeight - 1
        let beta2 = c.beta2, oneMinusBeta2 = c.oneMinusBeta2, correction = c.biasCorrection2Sqrt
        let epsilon = c.epsilon, stepSize = c.negativeStepSize
        var i = range.lowerBound
        while i + 4 <= range.upperBound {
            let gv = Lanes.load(g + i), pv = Lanes.load(p + i), mv = Lanes.load(m + i), vv = Lanes.load(v + i)
            let uv = Lanes.load(vmax + i)
            let gi = (gv * sign) + l2 * pv
            let pi = pv * decay
            let mi = (small ? mv : gi) + lerp * (gi - mv)
            let vi = vv * beta2 + (oneMinusBeta2 * gi) * gi
            let ui = vi.replacing(with: uv, where: uv .> vi)
            Lanes.store(mi, m + i)
            Lanes.store(vi, v + i)
            Lanes.store(ui, vmax + i)
            Lanes.store(pi + (stepSize * mi) / (Lanes.squareRoot(ui) / correction + epsilon), p + i)
            i += 4
        }
        while i < range.upperBound {
            let gi = (g[i] * sign) + l2 * p[i]
            let pi = p[i] * decay
            let mi = (small ? m[i] : gi) + lerp * (gi - m[i])
            let vi = v[i] * beta2 + (oneMinusBeta2 * gi) * gi
            let ui = vmax[i] > vi ? vmax[i] : vi
            m[i] = mi
            v[i] = vi
            vmax[i] = ui
            p[i] = pi + (stepSize * mi) / (ui.squareRoot() / correction + epsilon)
            i += 1
        }
    }
}
