import Degradation
import Foundation
import ImageTensors
import Imaging
import WildTensor

/// Draws training batches: random crops of the HQ photos, degraded on the fly by a ×1 pipeline (or cut from an
/// aligned LQ/GT folder pair) or, with probability `clean_probability`, left clean; with BasicSR's augmentation
/// (horizontal flip, vertical flip, transpose, each with probability ½).
///
/// Batch i depends only on (seed, i), never on what was drawn before, so a resumed run sees exactly the batches
/// an uninterrupted one would, and batches can be prepared ahead on another thread.
public final class PatchSampler: @unchecked Sendable {
    public let options: TrainingOptions.TrainingSet
    public let seed: UInt64
    private let groundTruthPaths: [String]
    private let lowQualityPaths: [String]?
    private let pipeline: DegradationPipeline
    private var cache: [Int: (gt: Image, lq: Image?)] = [:]  // by source: photo × scale
    private let lock = NSLock()

    /// - Parameters:
    ///   - pipeline: the degradation applied on the fly; nil builds it from `options` (`degradation`,
    ///     `degradation_config`).
    public init(options: TrainingOptions.TrainingSet, seed: UInt64, pipeline: DegradationPipeline? = nil) throws {
        self.options = options
        self.seed = seed
        let gt: [String]
        do { gt = try ImageFolder.list(options.datarootGT).images } catch {
            throw TrainingError.data("dataroot_GT \(options.datarootGT): \(error)")
        }
        guard !gt.isEmpty else { throw TrainingError.data("dataroot_GT \(options.datarootGT) holds no images") }
        groundTruthPaths = gt
        if let lqRoot = options.datarootLQ {
            let lq: [String]
            do { lq = try ImageFolder.list(lqRoot).images } catch { throw TrainingError.data("dataroot_LQ \(lqRoot): \(error)") }
            let byName = Dictionary(lq.map { (Self.stem($0), $0) }, uniquingKeysWith: { a, _ in a })
            lowQualityPaths = try gt.map { path in
                guard let match = byName[Self.stem(path)] else { throw TrainingError.data("no LQ image for \(path) in \(lqRoot)") }
                return match
            }
        } else {
            lowQualityPaths = nil
        }
        let chosen = try pipeline ?? options.pipeline(file: "<options>")
        guard chosen.scale == 1 else {
            throw TrainingError.invalidOptions("<options>", "datasets.train.degradation must keep the size (scale 1) to train a restorer")
        }
        self.pipeline = chosen
    }

    /// Number of source photos.
    public var imageCount: Int { groundTruthPaths.count }

    /// Number of sources drawn from: every photo at every scale of `scales`.
    var sourceCount: Int { groundTruthPaths.count * options.scales.count }

    /// Batch `iteration`: `(lq, gt)` tensors of shape `[batch, 3, patch, patch]`.
    public func batch(iteration: Int) throws -> (lq: Tensor, gt: Tensor) {
        let (lqs, gts) = try patches(iteration: iteration)
        return (try Tensor.batch(lqs), try Tensor.batch(gts))
    }

    /// The patches of batch `iteration` as images (what ``batch(iteration:)`` stacks).
    public func patches(iteration: Int) throws -> (lq: [Image], gt: [Image]) {
        let pairs = try pairs(iteration: iteration)
        return (pairs.map(\.lq), pairs.map(\.gt))
    }

    /// The pairs of batch `iteration`, each with the degradation names its LQ patch carries: sample `index` draws
    /// from its own stream `(seed, "train-iteration-index")`.
    public func pairs(iteration: Int) throws -> [TrainingPair] {
        try (0..<options.batchSize).map { index in
            var random = DegradationRandom(seed: seed, name: "train-\(iteration)-\(index)")
            return try sample(&random)
        }
    }

    /// One augmented (LQ, GT) patch pair.
    func sample(_ random: inout DegradationRandom) throws -> TrainingPair {
        let which = Int(random.next() % UInt64(sourceCount))
        let (gtImage, lqImage) = try source(which)
        let size = options.patchSize
        guard gtImage.width >= size, gtImage.height >= size else {
            let path = groundTruthPaths[which % groundTruthPaths.count], scale = options.scales[which / groundTruthPaths.count]
            throw TrainingError.data("\(path) is \(gtImage.width)×\(gtImage.height) at scale \(scale), smaller than patch_size \(size)")
        }
        let x = Int(random.next() % UInt64(gtImage.width - size + 1)), y = Int(random.next() % UInt64(gtImage.height - size + 1))
        var gt = try gtImage.cropped(x: x, y: y, width: size, height: size)
        var lq: Image
        var names: [String]?
        // Drawn only when asked for, so runs without clean pairs keep their random streams.
        if options.cleanProbability > 0, random.bernoulli(options.cleanProbability) {
            lq = gt
            names = []
        } else if let lqImage {
            lq = try lqImage.cropped(x: x, y: y, width: size, height: size)
        } else {
            let record: DegradationRecord
            (_, lq, record) = try pipeline.apply(gt, random: &random)
            names = record.degradationNames
        }
        let (h, v, t) = (random.bernoulli(0.5), random.bernoulli(0.5), random.bernoulli(0.5))
        for (on, orientation) in [(options.useFlip && h, ExifOrientation.mirrored), (options.useRot && v, .flippedVertically),
                                  (options.useRot && t, .transposed)] where on {
            gt = gt.applyingOrientation(orientation)
            lq = lq.applyingOrientation(orientation)
        }
        return TrainingPair(lq: lq, gt: gt, degradationNames: names)
    }

    /// Source `index`: photo `index % photos` (RGB, alpha dropped, gray expanded) shrunk by scale
    /// `index / photos`; cached after first use.
    private func source(_ index: Int) throws -> (Image, Image?) {
        lock.lock()
        if let cached = cache[index] { lock.unlock(); return cached }
        lock.unlock()
        let (scaleIndex, photo) = index.quotientAndRemainder(dividingBy: groundTruthPaths.count)
        let gt = try Image(contentsOf: groundTruthPaths[photo]).opaqueRGB.shrunk(by: options.scales[scaleIndex])
        let lq = try lowQualityPaths.map { try Image(contentsOf: $0[photo]).opaqueRGB }
        if let lq, lq.width != gt.width || lq.height != gt.height {
            throw TrainingError.data("\(lowQualityPaths![photo]) and \(groundTruthPaths[photo]) differ in size")
        }
        lock.lock()
        cache[index] = (gt, lq)
        lock.unlock()
        return (gt, lq)
    }

    static func stem(_ path: String) -> String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
}

/// One augmented training pair and the degradation names of the pipeline's record (empty for a pair left clean,
/// nil when the LQ patch was cut from an LQ folder, whose damage is unknown).
public struct TrainingPair: Sendable {
    public let lq: Image
    public let gt: Image
    public let degradationNames: [String]?
}
