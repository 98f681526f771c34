/// The result of one zero-shot degradation classification (``ZeroShotEvaluation``): per degradation word and
/// overall, with the chance levels to compare against.
public struct ZeroShotReport: Codable, Equatable, Sendable {
    /// One degradation word's binary task "does the image carry this word?".
    public struct Word: Codable, Equatable, Sendable {
        public let word: String
        /// Validation images that carry the word.
        public let present: Int
        /// Fraction of images whose presence was predicted right.
        public let accuracy: Double
        /// ½ (true-positive rate + true-negative rate): 0.5 for any rule that ignores the image, whatever the
        /// prevalence (the rate of a class absent from the set counts as the other's).
        public let balancedAccuracy: Double
        public let truePositiveRate: Double
        public let trueNegativeRate: Double
        /// The accuracy of the best rule that ignores the image: always answer the majority, max(p, 1 − p).
        public let chance: Double
    }

    public let iteration: Int
    /// Validation images.
    public let count: Int
    public let words: [Word]
    /// Fraction of images whose whole set of words was predicted exactly.
    public let exactAccuracy: Double
    /// The exact accuracy of always answering the most frequent set.
    public let exactChance: Double
    /// Mean ℓ1 between the LQ content embedding (with the controller) and frozen CLIP's HQ embedding.
    public let fidelity: Double
    /// The same ℓ1 for plain CLIP on the LQ image (no controller): what the controller should beat.
    public let fidelityWithoutController: Double

    /// Mean of the per-word accuracies.
    public let meanAccuracy: Double
    /// Mean of the per-word balanced accuracies (chance 0.5).
    public let meanBalancedAccuracy: Double
    /// Mean of the per-word majority chances.
    public let meanChance: Double

    public init(iteration: Int, count: Int, words: [Word], exactAccuracy: Double, exactChance: Double, fidelity: Double,
                fidelityWithoutController: Double) {
        self.iteration = iteration
        self.count = count
        self.words = words
        self.exactAccuracy = exactAccuracy
        self.exactChance = exactChance
        self.fidelity = fidelity
        self.fidelityWithoutController = fidelityWithoutController
        func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        meanAccuracy = mean(words.map(\.accuracy))
        meanBalancedAccuracy = mean(words.map(\.balancedAccuracy))
        meanChance = mean(words.map(\.chance))
    }

    enum CodingKeys: String, CodingKey {
        case iteration, count, words, exactAccuracy = "exact_accuracy", exactChance = "exact_chance", fidelity
        case fidelityWithoutController = "fidelity_without_controller", meanAccuracy = "mean_accuracy"
        case meanBalancedAccuracy = "mean_balanced_accuracy", meanChance = "mean_chance"
    }
}

extension ZeroShotReport.Word {
    enum CodingKeys: String, CodingKey {
        case word, present, accuracy, balancedAccuracy = "balanced_accuracy", truePositiveRate = "true_positive_rate"
        case trueNegativeRate = "true_negative_rate", chance
    }

    /// Scores the predictions of one word: `truth[i]` and `predicted[i]` say whether image i carries it.
    init(word: String, truth: [Bool], predicted: [Bool]) {
        let n = truth.count
        let positives = truth.filter { $0 }.count, negatives = n - positives
        let truePositives = zip(truth, predicted).filter { $0 && $1 }.count
        let trueNegatives = zip(truth, predicted).filter { !$0 && !$1 }.count
        let tpr = positives > 0 ? Double(truePositives) / Double(positives) : Double.nan
        let tnr = negatives > 0 ? Double(trueNegatives) / Double(negatives) : Double.nan
        self.word = word
        present = positives
        accuracy = n > 0 ? Double(truePositives + trueNegatives) / Double(n) : 0
        balancedAccuracy = tpr.isNaN ? tnr : (tnr.isNaN ? tpr : (tpr + tnr) / 2)
        truePositiveRate = tpr.isNaN ? 0 : tpr
        trueNegativeRate = tnr.isNaN ? 0 : tnr
        chance = n > 0 ? Double(max(positives, negatives)) / Double(n) : 0
    }
}
