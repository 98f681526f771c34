import Checkpoints
import Foundation
import Imaging
import WildTensor

/// The trunk LPIPS compares features in (the lpips package's `net=`).
public enum LPIPSNetwork: String, CaseIterable, Sendable, Codable {
    /// torchvision's AlexNet, the lpips package's default (`net='alex'`).
    case alex
    /// torchvision's VGG16 (`net='vgg'`).
    case vgg

    /// The trunk architecture.
    public var trunk: TrunkArchitecture { self == .alex ? .alexnet : .vgg16 }

    /// The weights of the trunk (torchvision's file).
    public var trunkWeights: MetricWeights { self == .alex ? .alexnet : .vgg16 }
    /// The weights of the v0.1 linear heads (bundled in `models/metrics/`).
    public var headWeights: MetricWeights { self == .alex ? .lpipsAlex : .lpipsVGG }

    /// The ReLU outputs lpips taps (`lpips/pretrained_networks.py`): relu1 … relu5 as the ends of its five slices,
    /// features [0,2) [2,5) [5,8) [8,10) [10,12) of AlexNet and [0,4) [4,9) [9,16) [16,23) [23,30) of VGG16.
    public var taps: [Int] { self == .alex ? [1, 4, 7, 9, 11] : [3, 8, 15, 22, 29] }

    /// The channels of those taps.
    public var channels: [Int] { self == .alex ? [64, 192, 384, 256, 256] : [64, 128, 256, 512, 512] }
}

/// LPIPS, the Learned Perceptual Image Patch Similarity of Zhang et al. (CVPR 2018), version 0.1, as the lpips
/// package (0.1.4) computes it: lower is better, 0 for identical images.
///
/// Both images, RGB on [0, 1], are mapped to [−1, 1] (`2x − 1`, lpips's `normalize=True`), then through lpips's
/// ScalingLayer `(x − shift)/scale` with shift = (−0.030, −0.088, −0.188), scale = (0.458, 0.448, 0.450). The
/// trunk's five ReLU taps ``LPIPSNetwork/taps`` are unit-normalised along channels, `f / (‖f‖₂ + 1e−10)`
/// (`normalize_tensor`), their squared difference is weighted per channel by the v0.1 linear head (a 1×1
/// convolution without bias) and averaged over the positions; the score is the sum over the five layers (eq. 1 of
/// the paper). Any image size the trunk accepts works (AlexNet needs at least 31×31 pixels, VGG16 16×16); nothing
/// is resized. Gray images are compared as R = G = B and alpha is ignored.
public struct LPIPS: FullReferenceMetric, Equatable {
    public let name = "LPIPS"
    public let higherIsBetter = false
    /// The trunk the features come from.
    public let network: LPIPSNetwork
    let trunk: FeatureTrunk
    /// The linear heads, one weight per channel of each tap.
    let heads: [[Float]]

    /// lpips's ScalingLayer constants (`lpips/lpips.py`): 2·ImageNet mean − 1 and 2·ImageNet std, rounded.
    static let shift: [Float] = [-0.030, -0.088, -0.188]
    static let scale: [Float] = [0.458, 0.448, 0.450]
    /// The ε of `normalize_tensor`, added to the norm.
    static let epsilon = 1e-10

    /// LPIPS on `trunk` (which must be `network`'s) with the linear heads of `heads` (keys `lin{k}.model.1.weight`,
    /// shape [1, C, 1, 1], as in lpips's `weights/v0.1/*.pth`); `file` names their source in errors.
    /// - Throws: ``MetricsError/weightsMismatch(file:weights:missing:unexpected:wrongShape:)`` or
    ///   ``MetricsError/unreadableWeights(file:reason:)``.
    public init(network: LPIPSNetwork, trunk: FeatureTrunk, heads: [(name: String, tensor: StoredTensor)], file: String) throws {
        guard trunk.architecture == network.trunk else {
            throw MetricsError.unreadableWeights(file: file, reason: "LPIPS with \(network.rawValue) needs the \(network.trunk.title) trunk, got \(trunk.architecture.title)")
        }
        let expected = network.channels.enumerated().map { ("lin\($0.offset).model.1.weight", [1, $0.element, 1, 1]) }
        let tensors = try MetricWeights.strictTensors(heads, expected: expected, file: file,
                                                      weights: "LPIPS v0.1 \(network.rawValue) heads (\(network.headWeights.fileName))")
        self.network = network
        self.trunk = trunk
        self.heads = expected.map { tensors[$0.0]?.floatValues() ?? [] }
    }

    /// LPIPS with `network`, its trunk and heads found by `locator`.
    /// - Throws: ``MetricsError`` when a file is missing, unreadable or not the expected network's.
    public init(network: LPIPSNetwork = .alex, locator: MetricWeightsLocator) throws {
        let trunk = try FeatureTrunk(network.trunk, contentsOf: locator.locate(network.trunkWeights))
        let heads = try locator.locate(network.headWeights)
        try self.init(network: network, trunk: trunk, heads: MetricWeights.read(heads), file: heads.path)
    }

    public func evaluate(restored: Image, reference: Image) throws -> Double {
        try layerDistances(restored: restored, reference: reference).reduce(0, +)
    }

    /// The five per-layer terms whose sum is the score (lpips's `retPerLayer=True`).
    /// - Throws: ``MetricsError/sizeMismatch(restored:reference:)`` when the sizes differ,
    ///   ``MetricsError/imageTooSmall(width:height:minimum:)`` below the trunk's smallest input.
    public func layerDistances(restored: Image, reference: Image) throws -> [Double] {
        let minimum = network.trunk.minimumSide(through: network.taps[network.taps.count - 1])
        let input = try LearnedMetricInput(restored: restored, reference: reference, minimumSide: minimum,
                                           metric: "LPIPS with \(network.trunk.title)")
        let batch = input.batch { value, channel in (2 * value - 1 - Self.shift[channel]) / Self.scale[channel] }
        let features = withNoGrad { trunk.features(of: batch, taps: network.taps) }
        return zip(features, heads).map { Self.distance($0, weights: $1) }
    }

    /// Σ_c w_c (â_c − b̂_c)² averaged over positions, with â = a/(‖a‖₂ + ε) per position, for the `[2, C, h, w]`
    /// features of the two images (restored first). Accumulated in Double.
    static func distance(_ features: Tensor, weights: [Float]) -> Double {
        let channels = features.shape[1], plane = features.shape[2] * features.shape[3]
        return features.withUnsafeBufferPointer { values in
            let a = values.baseAddress!, b = a + channels * plane
            var normA = [Double](repeating: 0, count: plane), normB = normA
            for c in 0..<channels {
                let (rowA, rowB) = (a + c * plane, b + c * plane)
                for i in 0..<plane {
                    normA[i] += Double(rowA[i]) * Double(rowA[i])
                    normB[i] += Double(rowB[i]) * Double(rowB[i])
                }
            }
            for i in 0..<plane {
                normA[i] = normA[i].squareRoot() + epsilon
                normB[i] = normB[i].squareRoot() + epsilon
            }
            var sum = [Double](repeating: 0, count: plane)
            for c in 0..<channels {
                let (rowA, rowB, w) = (a + c * plane, b + c * plane, Double(weights[c]))
                for i in 0..<plane {
                    let d = Double(rowA[i]) / normA[i] - Double(rowB[i]) / normB[i]
                    sum[i] += w * d * d
                }
            }
            return sum.reduce(0, +) / Double(plane)
        }
    }

    public static func == (a: LPIPS, b: LPIPS) -> Bool { a.network == b.network && a.trunk === b.trunk && a.heads == b.heads }
}
