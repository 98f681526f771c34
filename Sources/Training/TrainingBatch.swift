import DACLIP
import ImageTensors
import Imaging
import WildTensor

/// One batch as the training loop consumes it, made on the prefetch thread: the LQ and GT patches `[B, 3, P, P]`
/// in [0, 1] and, for a network conditioned on DA-CLIP, the LQ patches as DA-CLIP pixels `[B, 3, S, S]`
/// (``CLIPPreprocessing``, the inference preprocessing), so that only the DA-CLIP forward pass runs in the step.
struct TrainingBatch: @unchecked Sendable {
    let lq: Tensor
    let gt: Tensor
    let daclipPixels: Tensor?

    /// Batch `iteration` of `sampler`, preprocessed for DA-CLIP by `preprocessing` when given.
    init(_ sampler: PatchSampler, iteration: Int, preprocessing: CLIPPreprocessing?) throws {
        let (lqs, gts) = try sampler.patches(iteration: iteration)
        lq = try Tensor.batch(lqs)
        gt = try Tensor.batch(gts)
        daclipPixels = try preprocessing?.tensor(lqs)
    }
}
