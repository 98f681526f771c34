import Imaging

/// Training-time pixels for CLIP: an RGB image resized to the model's square input and normalised with CLIP's mean
/// and standard deviation (OpenCLIP `OPENAI_DATASET_MEAN`/`STD`, as the official `clip_transform`).
///
/// The resize is ``ResizeFilter/matlabBicubic`` (cubic a = −0.5, antialiased when shrinking), the closest of
/// WildIR's filters to PIL's `Resize(BICUBIC)` that OpenCLIP's transforms use. Training crops are square, so no
/// centre crop is needed.
///
/// - Note: the official test-time preprocessing (resize of the shorter side, centre crop) is being written in
///   `Sources/DACLIP/Preprocessing`; once it is there, this conversion should become a call of it (kept internal
///   here until then, so that there is one copy of CLIP's constants to remove).
enum CLIPPixels {
    /// CLIP's per-channel mean (R, G, B).
    static let mean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// CLIP's per-channel standard deviation (R, G, B).
    static let standardDeviation: [Float] = [0.26862954, 0.26130258, 0.27577711]

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
