import DACLIP
import Imaging
import WildTensor

/// A CLIP image tower behind its preprocessing, giving L2-normalised image embeddings: what the CLIP-based scores
/// read. The model's weights are only read (hence `@unchecked Sendable`).
public final class CLIPEmbedder: @unchecked Sendable {
    public let model: CLIPModel
    public let preprocessing: CLIPPreprocessing

    /// - Parameter preprocessing: how images become the tower's input; nil is CLIP's (open_clip
    ///   `image_transform(S, is_train=False)`: the shorter side to the tower's size S with Pillow's bicubic, the centre
    ///   crop, CLIP's mean and standard deviation).
    public init(model: CLIPModel, preprocessing: CLIPPreprocessing? = nil) {
        self.model = model
        self.preprocessing = preprocessing ?? CLIPPreprocessing(resolution: model.configuration.vision.imageSize)
    }

    /// E(image) / ‖E(image)‖₂ in Double (OpenCLIP `encode_image`, then normalised).
    /// - Throws: ``DACLIPError/invalidInput(_:)`` when the preprocessing's resolution is not the tower's.
    public func embedding(_ image: Image) throws -> [Double] {
        try embeddings([image])[0]
    }

    /// The embeddings of `images` (each as ``embedding(_:)`` gives it), encoded as one batch: the images are
    /// preprocessed on all cores at once (``ConcurrentItems``), then every layer of the tower runs once for the whole
    /// batch, split over the cores. A ViT's layers are large matrix products, which run faster on a batch with all
    /// cores than one image per core (``ConcurrentItems`` suits small convolutional networks instead).
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for no images, or when the preprocessing's resolution is not the
    ///   tower's.
    public func embeddings(_ images: [Image]) throws -> [[Double]] {
        guard !images.isEmpty else { throw DACLIPError.invalidInput("no images to embed") }
        let side = preprocessing.resolution
        let planes = try ConcurrentItems.map(images.count) { preprocessing.normalised(try preprocessing.resized(images[$0])) }
        let pixels = Tensor(shape: [images.count, 3, side, side], values: Array(planes.joined()))
        return try withNoGrad { try model.encodeImage(pixels) }.l2NormalisedRows()
    }

    /// Σ aᵢ bᵢ.
    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
