import DACLIP
import ImageTensors
import Imaging
import Models
import WildTensor

/// One batch as the training loop consumes it, made on the prefetch thread: the LQ and GT patches `[B, 3, P, P]`
/// in [0, 1]; for a network conditioned on DA-CLIP, the LQ patches as DA-CLIP pixels `[B, 3, S, S]`
/// (``CLIPPreprocessing``, the inference preprocessing), so that only the DA-CLIP forward pass runs in the step;
/// for a network whose degradation encoder learns the damage, the ``DamageEstimate`` targets `[B, count]`.
struct TrainingBatch: @unchecked Sendable {
    let lq: Tensor
    let gt: Tensor
    let daclipPixels: Tensor?
    let damage: Tensor?

    /// Batch `iteration` of `sampler`, preprocessed for DA-CLIP by `preprocessing` when given, with damage targets
    /// when `damageTargets` is set.
    /// - Throws: ``TrainingError/data(_:)`` when damage targets are asked of pairs whose damage is unknown (cut
    ///   from an LQ folder).
    init(_ sampler: PatchSampler, iteration: Int, preprocessing: CLIPPreprocessing?, damageTargets: Bool = false) throws {
        let pairs = try sampler.pairs(iteration: iteration)
        let lqs = pairs.map(\.lq)
        lq = try Tensor.batch(lqs)
        gt = try Tensor.batch(pairs.map(\.gt))
        daclipPixels = try preprocessing?.tensor(lqs)
        guard damageTargets else { damage = nil; return }
        let targets = try pairs.map { pair -> [Float] in
            guard let names = pair.degradationNames else {
                throw TrainingError.data("damage targets need pairs degraded on the fly: an LQ folder's damage is unknown")
            }
            return DamageEstimate(lq: pair.lq, gt: pair.gt, degradationNames: names).components
        }
        damage = Tensor(shape: [pairs.count, DamageEstimate.count], values: targets.flatMap { $0 })
    }
}
