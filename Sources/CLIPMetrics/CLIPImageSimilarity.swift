import Imaging
import Metrics

/// CLIP-I: the cosine similarity of the CLIP image embeddings of the restored image and its reference (as DreamBooth
/// defines it, Ruiz et al. 2023, §4.1), higher is better, 1 for images CLIP cannot tell apart.
///
/// Each image goes through CLIP's own preprocessing (``CLIPEmbedder``), so the two may differ in size.
public struct CLIPImageSimilarity: FullReferenceMetric, Equatable {
    public let name = "CLIP-I"
    public let higherIsBetter = true
    public let embedder: CLIPEmbedder

    public init(embedder: CLIPEmbedder) {
        self.embedder = embedder
    }

    /// cos(E(restored), E(reference)).
    /// - Throws: ``DACLIP/DACLIPError`` when an image cannot be encoded.
    public func evaluate(restored: Image, reference: Image) throws -> Double {
        let both = try embedder.embeddings([restored, reference])
        return Self.score(restored: both[0], reference: both[1])
    }

    /// CLIP-I from the two images' normalised embeddings (``CLIPEmbedder/embeddings(_:)``): their dot product.
    public static func score(restored: [Double], reference: [Double]) -> Double { CLIPEmbedder.dot(restored, reference) }

    public static func == (a: CLIPImageSimilarity, b: CLIPImageSimilarity) -> Bool { a.embedder === b.embedder }
}
