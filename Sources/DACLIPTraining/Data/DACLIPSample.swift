import Imaging
import WildTensor

/// One training or validation sample: the LQ and HQ crops at the model's size (RGB in [0, 1]), the degradation
/// words the LQ carries (canonical order, ``DegradationText``) and the photo's caption, if any.
public struct DACLIPSample: Sendable {
    public let lq: Image
    public let hq: Image
    public let words: [String]
    public let caption: String?
    /// The photo the crop was cut from.
    public let photo: String

    /// The degradation text ("an image with blur, noise", or "an image with no degradation").
    public var degradationText: String { DegradationText.text(words) }
}

/// A batch of samples as CLIP-normalised tensors `[B, 3, S, S]` with their texts.
public struct DACLIPBatch: @unchecked Sendable {
    public let lq: Tensor
    public let hq: Tensor
    public let words: [[String]]
    public let degradationTexts: [String]
    /// The captions, when the run has a captions file.
    public let captions: [String]?

    /// Stacks samples (all of the same size).
    init(_ samples: [DACLIPSample]) {
        func stack(_ images: [Image]) -> Tensor {
            let side = images.first?.width ?? 0
            return Tensor(shape: [images.count, 3, side, side], values: images.flatMap(CLIPPixels.normalised))
        }
        lq = stack(samples.map(\.lq))
        hq = stack(samples.map(\.hq))
        words = samples.map(\.words)
        degradationTexts = samples.map(\.degradationText)
        let captions = samples.compactMap(\.caption)
        self.captions = captions.count == samples.count ? captions : nil
    }
}
