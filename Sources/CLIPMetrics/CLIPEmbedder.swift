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
        let pixels = try preprocessing.tensor([image])
        return try withNoGrad { try model.encodeImage(pixels) }.l2NormalisedRows()[0]
    }

    /// Σ aᵢ bᵢ.
    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
