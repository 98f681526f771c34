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
        CLIPEmbedder.dot(try embedder.embedding(restored), try embedder.embedding(reference))
    }

    public static func == (a: CLIPImageSimilarity, b: CLIPImageSimilarity) -> Bool { a.embedder === b.embedder }
}
