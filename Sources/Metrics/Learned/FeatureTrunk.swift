import Checkpoints
import Foundation
import WildTensor

/// The convolutional `features` of a torchvision AlexNet or VGG16 with loaded weights, run for inference only.
///
/// Parameters are named as in torchvision's files (`features.3.weight`), so its checkpoints load by name. The
/// network is immutable once loaded and only read by ``features(of:taps:pooling:)`` (hence `@unchecked Sendable`).
public final class FeatureTrunk: Module, @unchecked Sendable {
    /// The convolutions of `features` under their torchvision indices.
    final class Features: Module {
        let convolutions: [(index: Int, layer: Convolution)]

        init(_ architecture: TrunkArchitecture) {
            convolutions = architecture.convolutions.map { ($0.index, Convolution(in: $0.inChannels, out: $0.outChannels, kernel: $0.kernel)) }
        }

        override func namedChildren() -> [(key: String, module: Module)] { convolutions.map { ("\($0.index)", $0.layer) } }
    }

    /// One `nn.Conv2d` of `features` (zeros until loaded).
    final class Convolution: Module {
        let weight: Tensor
        let bias: Tensor

        init(in inChannels: Int, out outChannels: Int, kernel: Int) {
            weight = Tensor.zeros([outChannels, inChannels, kernel, kernel])
            bias = Tensor.zeros([outChannels])
        }
    }

    /// Which network this is.
    public let architecture: TrunkArchitecture
    let features: Features

    /// A trunk with zero weights; ``load(_:from:)`` fills them.
    init(_ architecture: TrunkArchitecture) {
        self.architecture = architecture
        features = Features(architecture)
        super.init()
        eval()
    }

    /// The trunk of `architecture` with the weights of `state` (torchvision's key names).
    ///
    /// Every `features.N.weight` and `features.N.bias` of the architecture must be present with its shape and
    /// finite values; torchvision's `classifier.*` tensors, which the metrics do not use, are ignored; any other key
    /// means the file is not this network's, and is refused. `file` names the source in errors.
    /// - Throws: ``MetricsError/weightsMismatch(file:weights:missing:unexpected:wrongShape:)`` listing every problem,
    ///   ``MetricsError/unreadableWeights(file:reason:)`` for non-finite values.
    public convenience init(_ architecture: TrunkArchitecture, state: [(name: String, tensor: StoredTensor)], file: String) throws {
        self.init(architecture)
        var byName: [String: StoredTensor] = [:]
        var unexpected: [String] = []
        for (name, tensor) in state {
            if name.hasPrefix("features.") { byName[name] = tensor } else if !name.hasPrefix("classifier.") { unexpected.append(name) }
        }
        var missing: [String] = [], wrongShape: [String] = []
        let parameters = namedParameters()
        let known = Set(parameters.map(\.name))
        unexpected += byName.keys.filter { !known.contains($0) }.sorted()
        for (name, tensor) in parameters {
            guard let stored = byName[name] else { missing.append(name); continue }
            if stored.shape != tensor.shape { wrongShape.append("\(name) (expected \(tensor.shape), file has \(stored.shape))") }
        }
        guard missing.isEmpty, unexpected.isEmpty, wrongShape.isEmpty else {
            throw MetricsError.weightsMismatch(file: file, weights: "torchvision \(architecture.title) (\(architecture.weightsFileName))",
                                               missing: missing, unexpected: unexpected, wrongShape: wrongShape)
        }
        if let bad = parameters.first(where: { byName[$0.name]?.isFinite == false }) {
            throw MetricsError.unreadableWeights(file: file, reason: "\(bad.name) holds NaN or infinite values")
        }
        for (name, tensor) in parameters {
            guard let stored = byName[name] else { continue }
            tensor.withUnsafeMutableBufferPointer { stored.copyFloatValues(into: $0) }
        }
        // The weights are final: transform the 3×3 filters once, for F(4×4, 3×3) (≥ 64 channels) and F(2×2, 3×3)
        // (≥ 128), instead of on every call; each call takes the tile that suits its size.
        prepareWinogradFilters(tiles: [.f2x2, .f4x4])
    }

    /// The trunk of `architecture` read from the checkpoint at `url` (a `torch.save` file or safetensors).
    /// - Throws: ``MetricsError/unreadableWeights(file:reason:)`` when the file cannot be read, and the errors of
    ///   ``init(_:state:file:)``.
    public convenience init(_ architecture: TrunkArchitecture, contentsOf url: URL) throws {
        try self.init(architecture, state: try MetricWeights.read(url), file: url.path)
    }

    /// The outputs after layers `taps` (ascending torchvision indices; a ReLU's index gives the activation) for the
    /// NCHW batch `x`, running layers 0 … `taps.last`. `pooling(index, x)` replaces the max-pool at `index` when it
    /// returns a tensor (DISTS's L2 pooling); nil keeps the max-pool. Convolutions followed by their ReLU run as one
    /// oneDNN primitive. Call inside `withNoGrad`; the caller checks that the input is large enough.
    func features(of x: Tensor, taps: [Int], pooling: (Int, Tensor) -> Tensor? = { _, _ in nil }) -> [Tensor] {
        precondition(!taps.isEmpty && taps == taps.sorted(), "FeatureTrunk: taps \(taps) must be ascending")
        let layers = architecture.layers
        let convolutions = Dictionary(uniqueKeysWithValues: features.convolutions.map { ($0.index, $0.layer) })
        var outputs: [Tensor] = []
        var h = x
        var index = 0
        while index <= taps[taps.count - 1] {
            switch layers[index] {
            case let .convolution(_, _, _, stride, padding):
                guard let conv = convolutions[index] else { preconditionFailure("FeatureTrunk: no convolution \(index)") }
                let fused = index + 1 < layers.count && layers[index + 1] == .relu
                h = fused
                    ? h.conv2d(weight: conv.weight, bias: conv.bias, stride: (stride, stride), padding: .same(padding), fusedActivation: .relu)
                    : h.conv2d(weight: conv.weight, bias: conv.bias, stride: (stride, stride), padding: .same(padding))
                if fused {
                    precondition(!taps.contains(index), "FeatureTrunk: tap \(index) is a convolution fused with its ReLU")
                    index += 1
                }
            case .relu:
                h = h.relu()
            case let .maxPool(kernel, stride):
                h = pooling(index, h) ?? h.maxPool2d(kernel: (kernel, kernel), stride: (stride, stride))
            }
            if taps.contains(index) { outputs.append(h) }
            index += 1
        }
        return outputs
    }
}
