import Checkpoints
import Foundation
import Imaging
import WildTensor

/// The Inception network of FID and KID as pytorch-fid 0.3.0 runs it (`InceptionV3([3])`, `use_fid_inception=True`):
/// the TensorFlow FID Inception of Heusel et al. (2017), ported to PyTorch, with weights
/// `pt_inception-2015-12-05-6726825d.pth` loaded by their state-dict names.
///
/// An image becomes a 2048-d feature vector: RGB on [0, 1] (gray as R = G = B, alpha ignored) resized to 299×299
/// (bilinear, `align_corners=False`, as `F.interpolate(size=(299, 299))`), scaled to [−1, 1] (2x − 1), the stem
/// (three 3×3 convolutions, max-pool 3/2, 1×1 and 3×3 convolutions, max-pool 3/2), Mixed_5b–5d (A), 6a (B), 6b–6e
/// (C), 7a (D), 7b–7c (E), and the global average pool. pytorch-fid's patches are kept: the pooling branches of A, C
/// and 7b average without the padded zeros (``InceptionPooling``), and 7c's pooling branch is a 3×3 max-pool,
/// stride 1, padding 1. BatchNorm (ε = 0.001) is folded into the convolutions (``InceptionConvolution``).
///
/// Immutable once loaded and only read by ``features(of:)`` (hence `@unchecked Sendable`).
public final class FIDInception: @unchecked Sendable, Equatable {
    /// The file name `torch.hub` caches the weights under (pytorch-fid's `FID_WEIGHTS_URL`).
    public static let weightsFileName = "pt_inception-2015-12-05-6726825d.pth"
    /// Where pytorch-fid downloads them from.
    public static let weightsURL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/\(weightsFileName)"
    /// The side images are resized to.
    public static let inputSide = 299
    /// The length of a feature vector.
    public static let featureCount = 2048

    let convolutions: [String: InceptionConvolution]

    /// The network with the tensors of `state` (pytorch-fid's names). Every tensor of ``parameterShapes`` must be
    /// present with its shape and finite values; `fc.weight`, `fc.bias` (the classifier, unused) and
    /// `*.num_batches_tracked` are ignored; any other name means the file is not this network's. `file` names the
    /// source in errors.
    /// - Throws: ``MetricsError/weightsMismatch(file:weights:missing:unexpected:wrongShape:)`` or
    ///   ``MetricsError/unreadableWeights(file:reason:)``.
    public init(state: [(name: String, tensor: StoredTensor)], file: String) throws {
        let used = state.filter { !$0.name.hasPrefix("fc.") && !$0.name.hasSuffix(".num_batches_tracked") }
        let tensors = try MetricWeights.strictTensors(used, expected: Self.parameterShapes.map { ($0.name, $0.shape) }, file: file,
                                                      weights: "pytorch-fid's FID Inception (\(Self.weightsFileName))")
        convolutions = Dictionary(uniqueKeysWithValues: Self.layout.map { ($0.name, InceptionConvolution($0, tensors: tensors)) })
    }

    /// The network read from the checkpoint at `url` (a `torch.save` file, zip or legacy, or safetensors).
    /// - Throws: ``MetricsError/unreadableWeights(file:reason:)`` and the errors of ``init(state:file:)``.
    public convenience init(contentsOf url: URL) throws {
        try self.init(state: MetricWeights.read(url), file: url.path)
    }

    /// The network found by `locator` (``MetricWeights/fidInception``).
    /// - Throws: ``MetricsError/weightsNotFound(weights:file:searched:remedy:)`` and the errors of ``init(contentsOf:)``.
    public convenience init(locator: MetricWeightsLocator) throws {
        try self.init(contentsOf: locator.locate(.fidInception))
    }

    /// The 2048-d features of `images`, one batch (pytorch-fid's `get_activations` output for them). Any size works.
    public func features(of images: [Image]) -> [[Float]] {
        guard !images.isEmpty else { return [] }
        let pooled = withNoGrad { forward(Self.input(images)) }
        let count = Self.featureCount
        return pooled.withUnsafeBufferPointer { values in
            (0..<images.count).map { n in Array(values[n * count..<(n + 1) * count]) }
        }
    }

    /// The `[N, 3, 299, 299]` input on [−1, 1]: each image resized to 299×299, then 2x − 1 (pytorch-fid's order).
    static func input(_ images: [Image]) -> Tensor {
        let side = inputSide
        let resized = images.map { image in
            let rgb = image.opaqueRGB
            return Tensor(shape: [1, 3, rgb.height, rgb.width], values: rgb.samples).resizedBilinear(height: side, width: side)
        }
        return Tensor.concatenate(resized, axis: 0) * 2 - 1
    }

    /// The `[N, 2048]` global average pool of the last block for the prepared input.
    func forward(_ x: Tensor) -> Tensor {
        var h = conv("Conv2d_1a_3x3", x)
        h = conv("Conv2d_2b_3x3", conv("Conv2d_2a_3x3", h)).maxPool2d(kernel: (3, 3), stride: (2, 2))
        h = conv("Conv2d_4a_3x3", conv("Conv2d_3b_1x1", h)).maxPool2d(kernel: (3, 3), stride: (2, 2))
        for block in ["Mixed_5b", "Mixed_5c", "Mixed_5d"] { h = inceptionA(block, h) }
        h = inceptionB("Mixed_6a", h)
        for block in ["Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"] { h = inceptionC(block, h) }
        h = inceptionD("Mixed_7a", h)
        h = inceptionE("Mixed_7b", h, maxPooling: false)
        h = inceptionE("Mixed_7c", h, maxPooling: true)
        return h.mean(axes: [2, 3])
    }

    /// The convolution `name` applied to `x`.
    func conv(_ name: String, _ x: Tensor) -> Tensor {
        guard let layer = convolutions[name] else { preconditionFailure("FIDInception: no convolution \(name)") }
        return layer(x)
    }

    public static func == (a: FIDInception, b: FIDInception) -> Bool { a === b }
}
