import DACLIP

/// How well one degradation label describes a job's input, in DA-CLIP's zero-shot analysis (``DegradationScore``
/// as the job record and the API keep it).
struct JobDegradationScore: Codable, Sendable, Equatable {
    /// The label's text ("hazy", "noisy", … or the labels the server was given).
    var label: String
    /// Cosine similarity of the input's degradation embedding and the label's text embedding, in [−1, 1].
    var similarity: Double
    /// softmax(100 · similarity) over the server's labels: they sum to 1.
    var probability: Double

    init(_ score: DegradationScore) {
        label = score.label
        similarity = score.similarity
        probability = score.probability
    }
}
