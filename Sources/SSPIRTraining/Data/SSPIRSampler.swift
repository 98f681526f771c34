import Captioning
import Degradation
import Foundation
import ImageTensors
import Imaging
import WildTensor

/// One SSP-IR training pair: the GT crop, its LQ at the same size and the caption ("" when dropped or absent).
public struct SSPIRSample: Sendable {
    public let groundTruth: Image
    public let lowQuality: Image
    public let caption: String
    public let photo: String
}

/// A batch as the objective takes it: GT in [−1, 1] (the official loader's scaling), LQ in [0, 1], `[B, 3, S, S]`.
public struct SSPIRBatch: @unchecked Sendable {
    public let groundTruth: Tensor
    public let lowQuality: Tensor
    public let captions: [String]

    public init(_ samples: [SSPIRSample]) throws {
        groundTruth = try Tensor.batch(samples.map(\.groundTruth)) * 2 - 1
        lowQuality = try Tensor.batch(samples.map(\.lowQuality))
        captions = samples.map(\.caption)
    }
}

/// Draws SSP-IR training pairs from a photo folder (``SSPIRDataOptions``): a random crop of a photo shrunk by one
/// of `scales`, mirrored with probability ½, degraded by the pipeline (Real-ESRGAN at `scale`, whose GT is its
/// USM-sharpened crop as in SeeSR's `make_paired_data.py`), the LQ resized back by bicubic interpolation and stored
/// at 8 bits (the official `sr_bicubic` PNGs), and the photo's caption dropped with `caption_dropout`.
///
/// Sample `index` of batch `iteration` uses its own random stream `DegradationRandom(seed, "sspir-train-i-j")`, so a
/// resumed run sees exactly the batches an uninterrupted one would and batches can be prepared ahead. Validation
/// pair k uses photo k mod n, the stream "sspir-validation-k", and keeps its caption.
public final class SSPIRSampler: @unchecked Sendable {
    public let options: SSPIRDataOptions
    public let seed: UInt64
    /// The photos, sorted by path.
    public var photos: [String] { crops.photos }
    private let crops: RandomPhotoCrops
    private let pipeline: DegradationPipeline
    private let captions: CaptionTable?

    /// - Throws: ``SSPIRTrainingError/data(_:)`` for a missing or empty folder or a photo without a caption.
    public init(folder: String, options: SSPIRDataOptions, seed: UInt64, pipeline: DegradationPipeline, captions: CaptionTable?) throws {
        do { crops = try RandomPhotoCrops(folder: folder, scales: options.scales) } catch { throw SSPIRTrainingError.data("\(error)") }
        if let captions {
            do { try captions.checkCovers(crops.photos, folder: folder) } catch { throw SSPIRTrainingError.data("\(error)") }
        }
        self.options = options
        self.seed = seed
        self.pipeline = pipeline
        self.captions = captions
    }

    /// Batch `iteration` of `size` pairs.
    public func batch(iteration: Int, size: Int) throws -> SSPIRBatch {
        try SSPIRBatch((0..<size).map { index in
            var random = DegradationRandom(seed: seed, name: "sspir-train-\(iteration)-\(index)")
            return try sample(photo: nil, dropCaptions: true, random: &random)
        })
    }

    /// Validation pair `index`: photo `index mod n`, its caption kept.
    public func validationSample(_ index: Int) throws -> SSPIRSample {
        var random = DegradationRandom(seed: seed, name: "sspir-validation-\(index)")
        return try sample(photo: index % photos.count, dropCaptions: false, random: &random)
    }

    func sample(photo chosen: Int?, dropCaptions: Bool, random: inout DegradationRandom) throws -> SSPIRSample {
        let (crop, photo): (Image, Int)
        do { (crop, photo) = try crops.crop(side: options.cropSize, photo: chosen, flip: options.useFlip, random: &random) } catch {
            throw SSPIRTrainingError.data("\(error)")
        }
        let (groundTruth, degraded, _) = try pipeline.apply(crop, random: &random)
        var lq = degraded
        if lq.width != groundTruth.width || lq.height != groundTruth.height {
            lq = try lq.resized(width: groundTruth.width, height: groundTruth.height, filter: .bicubic).quantisedTo8Bit
        }
        let caption = captions?.caption(forPhoto: photos[photo]) ?? ""
        let dropped = dropCaptions && options.captionDropout > 0 && random.bernoulli(options.captionDropout)
        return SSPIRSample(groundTruth: groundTruth, lowQuality: lq, caption: dropped ? "" : caption, photo: photos[photo])
    }
}
