import Imaging
import WildTensor

/// DA-CLIP's image preprocessing: an image to the `[B, 3, S, S]` CLIP-normalised pixels its towers take.
///
/// ``Resizing/shorterSideAndCentreCrop`` (the default) is the wild-IR `test.py` path, `clip_transform` of daclip-uir
/// `universal-image-restoration/data/util.py` (Luo et al., DACLIP-IR):
/// 1. 8 bits by truncation, gray replicated, alpha dropped (``RGB8Image/init(truncating:)``);
/// 2. torchvision `Resize(S, BICUBIC)` on the Pillow image: the shorter side becomes S (the longer
///    `int(S · long / short)`), resampled by Pillow's 8-bit bicubic (``PillowResampling``), byte for byte;
/// 3. `CenterCrop(S)` with torchvision's offsets (half pixels round to even);
/// 4. `ToTensor` and `Normalize(mean, std)`: (level/255 − mean)/std in Float32, as PyTorch computes it.
///
/// The `preprocess` of the official README's zero-shot example is the same: OpenCLIP's `image_transform` turns the
/// square size (S, S) into S before it builds `Resize` and `CenterCrop` (daclip-uir `open_clip/transform.py`), and
/// converts to RGB after the crop, which gives the same levels.
///
/// ``Resizing/squash`` is not an official path: torchvision `Resize((S, S))`, which stretches the whole image to a
/// square (nothing cropped, the aspect ratio lost). The two agree on square images.
public struct CLIPPreprocessing: Equatable, Sendable {
    /// How the image becomes S × S.
    public enum Resizing: String, Sendable, CaseIterable {
        /// The shorter side resized to S, then the centre S × S (`Resize(S)`, `CenterCrop(S)`): wild-IR `test.py`
        /// and the README's `preprocess`.
        case shorterSideAndCentreCrop = "crop"
        /// Both sides resized to S, the aspect ratio lost (`Resize((S, S))`); not used by the official code.
        case squash
    }

    /// OpenCLIP's `OPENAI_DATASET_MEAN`, per RGB channel.
    public static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// OpenCLIP's `OPENAI_DATASET_STD`, per RGB channel.
    public static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    public var resizing: Resizing
    /// S: the side of the square the towers take (`vision_cfg.image_size`, 224 for every official DA-CLIP).
    public var resolution: Int
    public var mean: [Float]
    public var std: [Float]

    /// The official preprocessing for a tower of side `resolution`.
    public init(resizing: Resizing = .shorterSideAndCentreCrop, resolution: Int = 224) {
        self.resizing = resizing
        self.resolution = resolution
        mean = Self.clipMean
        std = Self.clipStd
    }

    /// The preprocessing of `model`: its image size, the given resizing.
    public init(for model: DACLIPModel, resizing: Resizing = .shorterSideAndCentreCrop) {
        self.init(resizing: resizing, resolution: model.configuration.vision.imageSize)
    }

    /// The S × S 8-bit image the towers see, before normalisation (steps 1–3).
    /// - Throws: ``DACLIPError/invalidInput(_:)`` when the resolution is not positive.
    public func resized(_ image: Image) throws -> RGB8Image {
        guard resolution > 0 else { throw DACLIPError.invalidInput("the preprocessing resolution must be positive, got \(resolution)") }
        let pixels = RGB8Image(truncating: image)
        let s = resolution
        switch resizing {
        case .squash:
            return PillowResampling.bicubic(pixels, width: s, height: s)
        case .shorterSideAndCentreCrop:
            let size = TorchvisionGeometry.shorterSideResize(width: pixels.width, height: pixels.height, to: s)
            // torchvision hands the image back untouched when it has the size already (Pillow would copy it).
            let scaled = size.width == pixels.width && size.height == pixels.height ? pixels
                : PillowResampling.bicubic(pixels, width: size.width, height: size.height)
            return try scaled.cropped(x: TorchvisionGeometry.centreCropOffset(length: scaled.width, crop: s),
                                      y: TorchvisionGeometry.centreCropOffset(length: scaled.height, crop: s),
                                      width: s, height: s)
        }
    }

    /// `ToTensor` + `Normalize` of an 8-bit image: planar Float32 (level/255 − mean)/std, `3 × H × W` values.
    public func normalised(_ pixels: RGB8Image) -> [Float] {
        let plane = pixels.width * pixels.height
        var out = [Float](repeating: 0, count: 3 * plane)
        for c in 0..<3 {
            // The 256 possible values of this channel, each computed as PyTorch does (divide, subtract, divide).
            let table = (0..<256).map { (Float($0) / 255 - mean[c]) / std[c] }
            for i in 0..<plane { out[c * plane + i] = table[Int(pixels.samples[c * plane + i])] }
        }
        return out
    }

    /// The `[N, 3, S, S]` input of DA-CLIP's image towers for `images` (any sizes and channel layouts).
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for an empty list.
    public func tensor(_ images: [Image]) throws -> Tensor {
        guard !images.isEmpty else { throw DACLIPError.invalidInput("no images to preprocess") }
        var values: [Float] = []
        values.reserveCapacity(images.count * 3 * resolution * resolution)
        for image in images { values += normalised(try resized(image)) }
        return Tensor(shape: [images.count, 3, resolution, resolution], values: values)
    }
}
