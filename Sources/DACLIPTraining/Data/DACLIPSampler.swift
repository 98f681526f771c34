import Captioning
import Degradation
import Foundation
import Imaging

/// Draws robust DA-CLIP samples from a photo folder: a random `crop_size` crop of a photo shrunk by one of
/// `scales` (mirrored with probability ½), left clean with `clean_probability`, else degraded by the pipeline
/// (whose record gives the words), then with the mild augmentation on the LQ when enabled, both crops resized to
/// the model's image size.
///
/// Sample `index` of batch `iteration` uses its own random stream `DegradationRandom(seed, "daclip-train-i-j")`, so
/// batch i depends only on (seed, i): a resumed run sees exactly the batches an uninterrupted one would, and batches
/// can be prepared ahead on another thread. Validation sample k uses photo k mod n and the stream
/// "daclip-validation-k", never the mild augmentation (its labels are the pipeline's words).
public final class DACLIPSampler: @unchecked Sendable {
    public let options: DACLIPDataOptions
    public let imageSize: Int
    public let seed: UInt64
    /// The photos, sorted by path.
    public var photos: [String] { crops.photos }
    private let crops: RandomPhotoCrops
    private let pipeline: DegradationPipeline
    private let mild: MildPipeline?
    private let captions: CaptionTable?

    /// - Parameters:
    ///   - folder: the photo folder (the options' `dataroot` for training, the validation folder otherwise).
    ///   - captions: when given, every photo must have a caption.
    /// - Throws: ``DACLIPTrainingError/data(_:)`` for a missing or empty folder or a photo without a caption.
    public init(folder: String, options: DACLIPDataOptions, imageSize: Int, seed: UInt64, pipeline: DegradationPipeline,
                mild: MildPipeline?, captions: CaptionTable?) throws {
        do { crops = try RandomPhotoCrops(folder: folder, scales: options.scales) } catch {
            throw DACLIPTrainingError.data("\(error)")
        }
        if let captions {
            do { try captions.checkCovers(crops.photos, folder: folder) } catch { throw DACLIPTrainingError.data("\(error)") }
        }
        self.options = options
        self.imageSize = imageSize
        self.seed = seed
        self.pipeline = pipeline
        self.mild = mild
        self.captions = captions
    }

    /// Batch `iteration` of `size` samples.
    public func batch(iteration: Int, size: Int) throws -> DACLIPBatch {
        DACLIPBatch(try (0..<size).map { index in
            var random = DegradationRandom(seed: seed, name: "daclip-train-\(iteration)-\(index)")
            return try sample(photo: nil, augment: true, random: &random)
        })
    }

    /// Validation sample `index`: photo `index mod n`, no augmentation.
    public func validationSample(_ index: Int) throws -> DACLIPSample {
        var random = DegradationRandom(seed: seed, name: "daclip-validation-\(index)")
        return try sample(photo: index % photos.count, augment: false, random: &random)
    }

    /// One sample; `photo` nil draws the photo and scale, otherwise only the scale is drawn.
    func sample(photo chosen: Int?, augment: Bool, random: inout DegradationRandom) throws -> DACLIPSample {
        let (hq, photo): (Image, Int)
        do { (hq, photo) = try crops.crop(side: options.cropSize, photo: chosen, flip: options.useFlip, random: &random) } catch {
            throw DACLIPTrainingError.data("\(error)")
        }
        var lq = hq
        var names: [String] = []
        // Drawn only when asked for, so runs without clean samples keep their random streams.
        if !(options.cleanProbability > 0 && random.bernoulli(options.cleanProbability)) {
            let (_, degraded, record) = try pipeline.apply(hq, random: &random)
            (lq, names) = (degraded, record.degradationNames)
        }
        if augment, let mild, random.bernoulli(options.mild.probability) {
            let (augmented, record) = try mild.apply(lq, random: &random)
            lq = augmented
            if options.mild.text == .merged { names += record.degradationNames }
        }
        return DACLIPSample(lq: try CLIPPixels.resized(lq, to: imageSize), hq: try CLIPPixels.resized(hq, to: imageSize),
                            words: DegradationText.canonical(names), caption: captions?.caption(forPhoto: photos[photo]),
                            photo: photos[photo])
    }
}
