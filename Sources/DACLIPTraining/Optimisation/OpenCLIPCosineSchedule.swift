import Foundation
import WildTensor

/// The learning-rate schedule of the official DA-CLIP training (OpenCLIP `training/scheduler.py`, `cosine_lr`):
/// for step i (0-based) of `steps`, with a warm-up of W steps,
///
///     lr(i) = base · (i + 1) / W                                  for i < W
///     lr(i) = ½ · (1 + cos(π · (i − W) / (steps − W))) · base     otherwise
///
/// so the ramp reaches the base rate on its last step and the cosine ends at 0. (The engine's `CosineAnnealing`
/// warms up from a start factor instead, which differs on every warm-up step but the first.)
public struct OpenCLIPCosineSchedule: LearningRateSchedule {
    public let warmup: Int
    public let steps: Int

    public init(warmup: Int, steps: Int) {
        precondition(steps > 0 && warmup >= 0 && warmup < steps, "OpenCLIPCosineSchedule: warm-up \(warmup) of \(steps) steps")
        self.warmup = warmup
        self.steps = steps
    }

    public func learningRate(atStep step: Int, base: Double) -> Double {
        if step < warmup { return base * Double(step + 1) / Double(warmup) }
        let e = Double(step - warmup), es = Double(steps - warmup)
        return 0.5 * (1 + cos(Double.pi * e / es)) * base
    }

    public var configuration: String { "OpenCLIPCosine(warmup: \(warmup), steps: \(steps))" }
}
