import DACLIP
import Imaging
import Models
import WildTensor

/// The DA-CLIP embeddings that condition a restoration network on one image: `[1, embed]` each, not normalised,
/// as the official wild-IR `test.py` takes them from `encode_image(img4clip, control=True)` (daclip-uir
/// `universal-image-restoration/config/wild-ir/test.py`; Luo et al., DACLIP-IR).
public struct ImageConditioning {
    /// The content embedding (CLIP's image tower steered by the controller): the network's `image_context`, one
    /// cross-attention token.
    public let content: Tensor
    /// The degradation embedding (the controller's own): the network's `text_context`, which feeds the prompt MLP
    /// of networks built with `use_degra_context` (daclip-sde); wild-IR's network does not read it.
    public let degradation: Tensor

    public init(content: Tensor, degradation: Tensor) {
        self.content = content
        self.degradation = degradation
    }
}

/// Computes the DA-CLIP conditioning of the images a ``Restorer`` restores: once per image, from the whole image
/// (never per tile), preprocessed as the official `test.py` does (``CLIPPreprocessing``), and kept for the image
/// restored last, so the tiles and sampling steps of an image, and a second restoration of the same image, reuse
/// one embedding.
public final class DACLIPConditioner {
    public let model: DACLIPModel
    public let preprocessing: CLIPPreprocessing
    /// How many times the DA-CLIP towers have run.
    public private(set) var encodings = 0
    private var cached: (image: Image, conditioning: ImageConditioning)?

    /// A conditioner running `model`; nil `preprocessing` is the official one at the model's image size.
    public init(model: DACLIPModel, preprocessing: CLIPPreprocessing? = nil) {
        self.model = model
        self.preprocessing = preprocessing ?? CLIPPreprocessing(for: model)
    }

    /// The embeddings of `image` (any size or channel layout: gray is replicated, alpha dropped).
    /// - Throws: ``DACLIPError`` when the preprocessing does not fit the model.
    public func conditioning(for image: Image) throws -> ImageConditioning {
        if let cached, cached.image == image { return cached.conditioning }
        let conditioning = try conditioning(forBatch: [image])
        cached = (image, conditioning)
        return conditioning
    }

    /// The embeddings of several images at once, `[N, embed]` each (row i for `images[i]`), each image preprocessed
    /// as ``conditioning(for:)`` does; nothing is cached. Training conditions each LQ patch this way, as the
    /// official wild-IR `train.py` encodes the `clip_transform` of every LQ patch.
    /// - Throws: ``DACLIPError`` when the preprocessing does not fit the model or `images` is empty.
    public func conditioning(forBatch images: [Image]) throws -> ImageConditioning {
        try conditioning(forPixels: try preprocessing.tensor(images))
    }

    /// The embeddings of images already preprocessed by ``preprocessing`` (`[N, 3, S, S]`), computed without
    /// gradients (the DA-CLIP stays frozen while a restorer trains on its embeddings).
    /// - Throws: ``DACLIPError`` for pixels of another shape.
    public func conditioning(forPixels pixels: Tensor) throws -> ImageConditioning {
        let (content, degradation) = try model.encodeImage(pixels, control: true)
        guard let degradation else { throw DACLIPError.invalidInput("the controller gave no degradation features") }
        encodings += 1
        return ImageConditioning(content: content, degradation: degradation)
    }

    /// Whether `configuration` can take this model's embeddings: it must read a DA-CLIP context of the model's
    /// embedding width.
    /// - Throws: ``RestorationError/incompatibleDACLIP(_:)`` saying what differs.
    public func check(network configuration: ConditionalUNetConfiguration) throws {
        let embed = model.configuration.embedDim
        guard configuration.takesDACLIPContext, let contextDim = configuration.contextDim else {
            throw RestorationError.incompatibleDACLIP("the network takes no DA-CLIP context (use_image_context and "
                + "use_degra_context are off, or context_dim is unset); restore without DA-CLIP weights")
        }
        guard contextDim == embed else {
            throw RestorationError.incompatibleDACLIP("the network's context_dim is \(contextDim) but the DA-CLIP "
                + "embeddings have \(embed) values (the official wild-IR network takes the \(CLIPConfiguration.daclipViTL14.embedDim)-d "
                + "ViT-L-14 DA-CLIP, daclip-sde the \(CLIPConfiguration.daclipViTB32.embedDim)-d ViT-B-32 one)")
        }
    }
}

extension ConditionalUNetConfiguration {
    /// Whether the network reads a DA-CLIP embedding: a context width, and image context (cross-attention) or
    /// degradation context (the prompt MLP).
    public var takesDACLIPContext: Bool { hasContext && (useImageContext || useDegradationContext) }
}
