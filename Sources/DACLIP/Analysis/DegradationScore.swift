/// How well one degradation label describes an image, in DA-CLIP's zero-shot analysis (``DegradationAnalysis``).
public struct DegradationScore: Equatable, Sendable {
    /// The label's text (a degradation type such as "hazy", or any phrase).
    public let label: String
    /// Cosine similarity of the image's degradation embedding and the label's text embedding, in [−1, 1].
    public let similarity: Double
    /// softmax(100 · similarity) over the labels analysed together: the labels' probabilities sum to 1.
    public let probability: Double

    public init(label: String, similarity: Double, probability: Double) {
        self.label = label
        self.similarity = similarity
        self.probability = probability
    }
}

extension Array where Element == DegradationScore {
    /// The scores from most to least probable (ties keep their order).
    public var ranked: [DegradationScore] {
        enumerated().sorted { a, b in
            a.element.probability != b.element.probability ? a.element.probability > b.element.probability : a.offset < b.offset
        }.map(\.element)
    }
}
