import Checkpoints
import Foundation
import Imaging
import WildTensor

/// DISTS, Deep Image Structure and Texture Similarity (Ding, Ma, Wang & Simoncelli, TPAMI 2020), as the
/// DISTS_pytorch package (0.1) computes it: lower is better, 0 for identical images.
///
/// The RGB images on [0, 1] are ImageNet-normalised, `(x − mean)/std` with mean (0.485, 0.456, 0.406) and std
/// (0.229, 0.224, 0.225), and run through VGG16's convolutions with ``L2Pooling`` in place of its four max-pools.
/// Six stages are compared: the raw image x itself (not normalised) and the ReLU outputs relu1_2, relu2_2, relu3_3,
/// relu4_3, relu5_3, 3 + 64 + 128 + 256 + 512 + 512 = 1475 channels. For each channel, with spatial means μ,
/// centred population variances σ² and the uncentred covariance σxy = mean(xy) − μxμy:
///
///     structure  S1 = (2μxμy + c1) / (μx² + μy² + c1),   texture  S2 = (2σxy + c2) / (σx² + σy² + c2),
///
/// c1 = c2 = 1e−6, and DISTS = 1 − Σ (α·S1 + β·S2) with the learned α, β (``MetricWeights/dists``) both divided by
/// the one sum Σα + Σβ (eq. 9–10). No image is resized (`prepare_image`'s default, `resize=False`); any size works.
/// Gray images are compared as R = G = B and alpha is ignored.
public struct DISTS: FullReferenceMetric, Equatable {
    public let name = "DISTS"
    public let higherIsBetter = false
    let trunk: FeatureTrunk
    /// α and β, divided by Σα + Σβ, 1475 values each.
    let alpha: [Double]
    let beta: [Double]

    /// The channels of the six stages.
    static let channels = [3, 64, 128, 256, 512, 512]
    /// VGG16's layers after which the stages end: relu1_2, relu2_2, relu3_3, relu4_3, relu5_3.
    static let taps = [3, 8, 15, 22, 29]
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let std: [Float] = [0.229, 0.224, 0.225]
    static let c1 = 1e-6
    static let c2 = 1e-6

    /// DISTS on a VGG16 `trunk` with the `alpha` and `beta` tensors of `weights` ([1, 1475, 1, 1] each, as in
    /// DISTS_pytorch's `weights.pt`); `file` names their source in errors.
    /// - Throws: ``MetricsError/weightsMismatch(file:weights:missing:unexpected:wrongShape:)`` or
    ///   ``MetricsError/unreadableWeights(file:reason:)``.
    public init(trunk: FeatureTrunk, weights: [(name: String, tensor: StoredTensor)], file: String) throws {
        guard trunk.architecture == .vgg16 else {
            throw MetricsError.unreadableWeights(file: file, reason: "DISTS needs the VGG16 trunk, got \(trunk.architecture.title)")
        }
        let total = Self.channels.reduce(0, +)
        let tensors = try MetricWeights.strictTensors(weights, expected: [("alpha", [1, total, 1, 1]), ("beta", [1, total, 1, 1])],
                                                      file: file, weights: "DISTS alpha and beta (\(MetricWeights.dists.fileName))")
        let alpha: [Double] = (tensors["alpha"]?.floatValues() ?? []).map { Double($0) }
        let beta: [Double] = (tensors["beta"]?.floatValues() ?? []).map { Double($0) }
        let sum: Double = alpha.reduce(0, +) + beta.reduce(0, +)
        guard sum > 0 else { throw MetricsError.unreadableWeights(file: file, reason: "alpha and beta sum to \(sum), not a positive number") }
        self.trunk = trunk
        self.alpha = alpha.map { $0 / sum }
        self.beta = beta.map { $0 / sum }
    }

    /// DISTS with the VGG16 trunk and alpha/beta found by `locator`, or `trunk` when given (shared with LPIPS-VGG).
    /// - Throws: ``MetricsError`` when a file is missing, unreadable or not the expected network's.
    public init(locator: MetricWeightsLocator, trunk: FeatureTrunk? = nil) throws {
        let trunk = try trunk ?? FeatureTrunk(.vgg16, contentsOf: locator.locate(.vgg16))
        let weights = try locator.locate(.dists)
        try self.init(trunk: trunk, weights: MetricWeights.read(weights), file: weights.path)
    }

    /// - Throws: ``MetricsError/sizeMismatch(restored:reference:)`` when the sizes differ.
    public func evaluate(restored: Image, reference: Image) throws -> Double {
        let input = try LearnedMetricInput(restored: restored, reference: reference, minimumSide: 1, metric: "DISTS")
        let x = input.batch { value, _ in value }
        let normalised = input.batch { value, channel in (value - Self.mean[channel]) / Self.std[channel] }
        let stages = [x] + withNoGrad {
            trunk.features(of: normalised, taps: Self.taps) { _, h in L2Pooling.apply(h) }
        }
        var similarity = 0.0, offset = 0
        for stage in stages {
            let statistics = Self.statistics(stage)
            for (c, s) in statistics.enumerated() {
                let structure = (2 * s.meanX * s.meanY + Self.c1) / (s.meanX * s.meanX + s.meanY * s.meanY + Self.c1)
                let texture = (2 * s.covariance + Self.c2) / (s.varianceX + s.varianceY + Self.c2)
                similarity += alpha[offset + c] * structure + beta[offset + c] * texture
            }
            offset += statistics.count
        }
        return 1 - similarity
    }

    /// Per channel of a `[2, C, h, w]` stage (restored first): the two spatial means, the centred population
    /// variances, and the covariance in DISTS_pytorch's uncentred form mean(xy) − μxμy. In Double.
    static func statistics(_ stage: Tensor) -> [(meanX: Double, meanY: Double, varianceX: Double, varianceY: Double, covariance: Double)] {
        let channels = stage.shape[1], plane = stage.shape[2] * stage.shape[3], n = Double(plane)
        return stage.withUnsafeBufferPointer { values in
            (0..<channels).map { c in
                let x = values.baseAddress! + c * plane, y = values.baseAddress! + (channels + c) * plane
                var sumX = 0.0, sumY = 0.0, sumXY = 0.0
                for i in 0..<plane {
                    sumX += Double(x[i]); sumY += Double(y[i]); sumXY += Double(x[i]) * Double(y[i])
                }
                let meanX = sumX / n, meanY = sumY / n
                var squaresX = 0.0, squaresY = 0.0
                for i in 0..<plane {
                    let (dx, dy) = (Double(x[i]) - meanX, Double(y[i]) - meanY)
                    squaresX += dx * dx; squaresY += dy * dy
                }
                return (meanX, meanY, squaresX / n, squaresY / n, sumXY / n - meanX * meanY)
            }
        }
    }

    public static func == (a: DISTS, b: DISTS) -> Bool { a.trunk === b.trunk && a.alpha == b.alpha && a.beta == b.beta }
}
