import DACLIP
import WildTensor

/// Zero-shot degradation classification of held-out LQ images, the validation of a robust DA-CLIP run.
///
/// Protocol (multi-label, through CLIP's own zero-shot rule): the labels are the 2^K texts of every subset of the K
/// degradation words (``DegradationText/labels(_:)``, "an image with no degradation" included). Each image's
/// degradation embedding is compared with every label text by cosine similarity (the README's
/// `softmax(100·ê_d·ê_tᵀ)`; the softmax does not change the winner) and the most similar label is the image's
/// predicted set of words. Each word is then scored as a binary task — present in the predicted set or not, against
/// the words the pipeline recorded — by its accuracy, balanced accuracy and true-positive/negative rates, next to
/// its chance level (``ZeroShotReport``): the majority rule max(p, 1 − p) for accuracy, 0.5 for balanced accuracy.
/// The whole set is scored by exact-match accuracy against the most frequent set's frequency.
///
/// The same pass measures the content fidelity: the mean ℓ1 between the LQ content embedding and frozen CLIP's HQ
/// embedding, with the controller and without it (plain CLIP on the LQ crop).
public struct ZeroShotEvaluation {
    /// The held-out samples (fixed for a run).
    public let samples: [DACLIPSample]
    /// The degradation words scored, in canonical order.
    public let words: [String]
    /// Images per forward pass.
    public var batchSize = 32

    public init(samples: [DACLIPSample], words: [String] = DegradationText.vocabulary) {
        self.samples = samples
        self.words = words
    }

    /// The label subsets and texts.
    public var labels: [(words: [String], text: String)] { DegradationText.labels(words) }

    /// Classifies every sample with `model`, taking text features from `texts`.
    func evaluate(_ model: DACLIPModel, texts: TextFeatureCache, iteration: Int) throws -> ZeroShotReport {
        let labels = self.labels
        let labelFeatures = DACLIPModel.normalised(try texts.constant(labels.map(\.text)))   // [2^K, D]
        var predicted: [[String]] = [], fidelity = 0.0, baseline = 0.0
        for start in stride(from: 0, to: samples.count, by: batchSize) {
            let batch = DACLIPBatch(Array(samples[start..<min(start + batchSize, samples.count)]))
            let (content, degradation) = try model.encodeImage(batch.lq, control: true)
            let plain = try model.encodeImage(batch.lq, control: false).content
            let hq = try model.encodeImage(batch.hq, control: false).content
            guard let degradation else { throw DACLIPTrainingError.model("the controller returned no degradation features") }
            let similarity = withNoGrad { DACLIPModel.normalised(degradation).matmul(labelFeatures.transposed()) }  // [b, 2^K]
            let columns = labels.count, values = similarity.values
            for row in 0..<(values.count / columns) {
                let scores = values[(row * columns)..<((row + 1) * columns)]
                let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
                predicted.append(labels[best - row * columns].words)
            }
            let b = Double(batch.words.count)
            fidelity += Double(withNoGrad { content.l1Loss(hq) }.scalar) * b
            baseline += Double(withNoGrad { plain.l1Loss(hq) }.scalar) * b
        }
        let truth = samples.map(\.words), n = Double(max(samples.count, 1))
        let scored = words.map { word in
            ZeroShotReport.Word(word: word, truth: truth.map { $0.contains(word) }, predicted: predicted.map { $0.contains(word) })
        }
        func key(_ set: [String]) -> [String] { words.filter(set.contains) }
        let exact = zip(truth, predicted).filter { key($0) == key($1) }.count
        let frequencies = Dictionary(grouping: truth.map(key), by: { $0 }).mapValues(\.count)
        return ZeroShotReport(iteration: iteration, count: samples.count, words: scored, exactAccuracy: Double(exact) / n,
                              exactChance: Double(frequencies.values.max() ?? 0) / n, fidelity: fidelity / n,
                              fidelityWithoutController: baseline / n)
    }
}
