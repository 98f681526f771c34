import Checkpoints
import Foundation

/// The weight files of the learned metrics, by the names `wildir evaluate --weights NAME=PATH` takes.
///
/// Two kinds: torchvision's ImageNet trunks and pytorch-fid's Inception, which are too large to ship and are looked
/// for in PyTorch's download cache (``MetricWeightsLocator``), and the small learned layers of LPIPS and DISTS, which ship with WildIR in
/// `models/metrics/` (converted by `Tools/fixtures/deep_metrics.py` from the lpips and DISTS_pytorch wheels).
public enum MetricWeights: String, CaseIterable, Sendable, Hashable {
    /// torchvision's AlexNet (`alexnet-owt-7be5be79.pth`): LPIPS's default trunk.
    case alexnet
    /// torchvision's VGG16 (`vgg16-397923af.pth`): the trunk of LPIPS-VGG and of DISTS.
    case vgg16
    /// LPIPS v0.1's linear heads for AlexNet (lpips's `weights/v0.1/alex.pth`).
    case lpipsAlex = "lpips-alex"
    /// LPIPS v0.1's linear heads for VGG16 (lpips's `weights/v0.1/vgg.pth`).
    case lpipsVGG = "lpips-vgg"
    /// DISTS's alpha and beta (DISTS_pytorch's `weights.pt`).
    case dists
    /// pytorch-fid's FID Inception (`pt_inception-2015-12-05-6726825d.pth`, the TensorFlow FID network ported): the
    /// features of FID and KID.
    case fidInception = "fid-inception"

    /// The file name: torchvision's cache name for the trunks, the bundled file's name for the others.
    public var fileName: String {
        switch self {
        case .alexnet: TrunkArchitecture.alexnet.weightsFileName
        case .vgg16: TrunkArchitecture.vgg16.weightsFileName
        case .lpipsAlex: "lpips_alex_v0.1.safetensors"
        case .lpipsVGG: "lpips_vgg_v0.1.safetensors"
        case .dists: "dists_alpha_beta.safetensors"
        case .fidInception: FIDInception.weightsFileName
        }
    }

    /// `true` for the files looked for in PyTorch's download cache (torchvision's trunks, pytorch-fid's Inception),
    /// `false` for the small layers that ship with WildIR.
    public var isTorchHubFile: Bool { trunk != nil || self == .fidInception }

    /// The trunk these weights are, if they are one.
    public var trunk: TrunkArchitecture? {
        switch self {
        case .alexnet: .alexnet
        case .vgg16: .vgg16
        default: nil
        }
    }

    /// What the file is, where it comes from and what to do when it is missing, for messages.
    public var remedy: String {
        let override = "or give its path with --weights \(rawValue)=PATH"
        switch self {
        case .alexnet, .vgg16:
            let trunk = trunk ?? .vgg16
            return "It is torchvision's ImageNet \(trunk.title) (\(trunk.weightsFileName), what `torchvision.models."
                + "\(trunk.rawValue)(pretrained=True)` downloads): download \(trunk.weightsURL) into one of these folders "
                + "(e.g. mkdir -p ~/.cache/torch/hub/checkpoints && curl -L -o ~/.cache/torch/hub/checkpoints/"
                + "\(trunk.weightsFileName) \(trunk.weightsURL)), \(override)."
        case .fidInception:
            return "It is pytorch-fid's FID Inception (\(fileName), what `pytorch_fid.inception.InceptionV3()` downloads): "
                + "download \(FIDInception.weightsURL) into one of these folders (e.g. mkdir -p ~/.cache/torch/hub/checkpoints "
                + "&& curl -L -o ~/.cache/torch/hub/checkpoints/\(fileName) \(FIDInception.weightsURL)), \(override)."
        case .lpipsAlex, .lpipsVGG, .dists:
            let what = self == .dists ? "DISTS's alpha and beta (from the DISTS_pytorch package, MIT)"
                : "LPIPS v0.1's linear layers (from the lpips package, BSD-2-Clause)"
            return "It is \(what), which ships with WildIR in models/metrics/: set WILDIR_HOME to the WildIR checkout "
                + "or install WildIR (make install), \(override)."
        }
    }

    /// The name a `--weights` argument gives, or nil.
    /// - Throws: ``MetricsError/unknownWeights(_:known:)`` listing the known names.
    public static func named(_ text: String) throws -> MetricWeights {
        guard let weights = MetricWeights(rawValue: text.lowercased()) else {
            throw MetricsError.unknownWeights(text, known: allCases.map(\.rawValue))
        }
        return weights
    }

    /// The named tensors of a weight file (safetensors or a `torch.save` zip file, read without executing
    /// anything).
    /// - Throws: ``MetricsError/unreadableWeights(file:reason:)`` with the reader's explanation.
    static func read(_ url: URL) throws -> [(name: String, tensor: StoredTensor)] {
        do { return try CheckpointFile.load(url) } catch let error as CheckpointError {
            throw MetricsError.unreadableWeights(file: url.path, reason: error.description)
        }
    }

    /// The tensors of `state` by name, after a strict check: exactly the `expected` names, each with its shape and
    /// finite values. `weights` describes the expected file in errors.
    /// - Throws: ``MetricsError/weightsMismatch(file:weights:missing:unexpected:wrongShape:)`` or
    ///   ``MetricsError/unreadableWeights(file:reason:)``.
    static func strictTensors(_ state: [(name: String, tensor: StoredTensor)], expected: [(String, [Int])], file: String,
                              weights: String) throws -> [String: StoredTensor] {
        let byName = Dictionary(state.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let names = Set(expected.map(\.0))
        let missing = expected.map(\.0).filter { byName[$0] == nil }
        let unexpected = state.map(\.name).filter { !names.contains($0) }
        let wrongShape = expected.compactMap { name, shape -> String? in
            guard let stored = byName[name], stored.shape != shape else { return nil }
            return "\(name) (expected \(shape), file has \(stored.shape))"
        }
        guard missing.isEmpty, unexpected.isEmpty, wrongShape.isEmpty else {
            throw MetricsError.weightsMismatch(file: file, weights: weights, missing: missing, unexpected: unexpected, wrongShape: wrongShape)
        }
        if let bad = expected.first(where: { byName[$0.0]?.isFinite == false }) {
            throw MetricsError.unreadableWeights(file: file, reason: "\(bad.0) holds NaN or infinite values")
        }
        return byName
    }
}
