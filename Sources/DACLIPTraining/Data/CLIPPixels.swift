import DACLIP
import Imaging

/// Training-time pixels for CLIP: an RGB image resized to the model's square input and normalised with CLIP's mean
/// and standard deviation (``CLIPPreprocessing/clipMean``, ``CLIPPreprocessing/clipStd``).
///
/// Unlike the test-time ``CLIPPreprocessing`` (8-bit levels, Pillow's bicubic, the official `clip_transform`
/// byte for byte), training crops stay in Float32 and are resized by ``ResizeFilter/matlabBicubic`` (cubic
/// a = −0.5, antialiased when shrinking, the closest of WildIR's filters to Pillow's): the crops are square, so no
/// centre crop is needed, and skipping the 8-bit round trip keeps the sampler cheap.
enum CLIPPixels {
    static var mean: [Float] { CLIPPreprocessing.clipMean }
    static var standardDeviation: [Float] { CLIPPreprocessing.clipStd }

    /// `image` (RGB) at `size`×`size`, or unchanged when it already has that size.
    static func resized(_ image: Image, to size: Int) throws -> Image {
        image.width == size && image.height == size ? image : try image.resized(width: size, height: size, filter: .matlabBicubic)
    }

    /// The normalised planar samples `(v − mean_c) / std_c` of an RGB image, channel by channel.
    static func normalised(_ image: Image) -> [Float] {
        let plane = image.width * image.height
        var out = image.samples
        for channel in 0..<3 {
            let (m, s) = (mean[channel], standardDeviation[channel])
            for i in (channel * plane)..<((channel + 1) * plane) { out[i] = (out[i] - m) / s }
        }
        return out
    }
}
