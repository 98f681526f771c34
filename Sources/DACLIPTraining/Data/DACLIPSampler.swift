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
    public let photos: [String]
    private let pipeline: DegradationPipeline
    private let mild: MildPipeline?
    private let captions: CaptionTable?
    private var cache: [Int: Image] = [:]  // by source: scale index × photos + photo
    private let lock = NSLock()

    /// - Parameters:
    ///   - folder: the photo folder (the options' `dataroot` for training, the validation folder otherwise).
    ///   - captions: when given, every photo must have a caption.
    /// - Throws: ``DACLIPTrainingError/data(_:)`` for a missing or empty folder or a photo without a caption.
    public init(folder: String, options: DACLIPDataOptions, imageSize: Int, seed: UInt64, pipeline: DegradationPipeline,
                mild: MildPipeline?, captions: CaptionTable?) throws {
        let listed: [String]
        do { listed = try ImageFolder.list(folder).images } catch {
            throw DACLIPTrainingError.data("\(folder): \(error)")
        }
        guard !listed.isEmpty else { throw DACLIPTrainingError.data("\(folder) holds no images") }
        if let captions {
            let missing = listed.filter { captions.caption(forPhoto: $0) == nil }
            guard missing.isEmpty else {
                throw DACLIPTrainingError.data("no caption for \(missing.count) photo(s) of \(folder): "
                    + missing.prefix(5).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))
            }
        }
        photos = listed.sorted()
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
        let scaleIndex: Int, photo: Int
        if let chosen {
            (scaleIndex, photo) = (Int(random.next() % UInt64(options.scales.count)), chosen)
        } else {
            (scaleIndex, photo) = Int(random.next() % UInt64(photos.count * options.scales.count)).quotientAndRemainder(dividingBy: photos.count)
        }
        let source = try self.source(photo: photo, scaleIndex: scaleIndex)
        let size = options.cropSize
        guard source.width >= size, source.height >= size else {
            throw DACLIPTrainingError.data("\(photos[photo]) is \(source.width)×\(source.height) at scale "
                + "\(options.scales[scaleIndex]), smaller than data.crop_size \(size)")
        }
        let x = Int(random.next() % UInt64(source.width - size + 1)), y = Int(random.next() % UInt64(source.height - size + 1))
        var hq = try source.cropped(x: x, y: y, width: size, height: size)
        if options.useFlip, random.bernoulli(0.5) { hq = hq.applyingOrientation(.mirrored) }
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

    /// Photo `photo` (RGB) shrunk by scale `scaleIndex`, decoded once.
    private func source(photo: Int, scaleIndex: Int) throws -> Image {
        let key = scaleIndex * photos.count + photo
        if let cached = lock.withLock({ cache[key] }) { return cached }
        let image: Image
        do { image = try Image(contentsOf: photos[photo]).opaqueRGB.shrunk(by: options.scales[scaleIndex]) } catch {
            throw DACLIPTrainingError.data("\(photos[photo]): \(error)")
        }
        lock.withLock { cache[key] = image }
        return image
    }
}
