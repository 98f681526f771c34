import Checkpoints
import Foundation
import Metrics

/// The random torchvision trunks of `Tools/fixtures/deep_metrics.py`, regenerated bit for bit from its seeds, so
/// that the LPIPS and DISTS fixtures hold only images and expected scores.
///
/// The rule (the generator's docstring): draw i = 1, 2, … of ``SplitMix64`` from the seed gives
/// `Float((2u − 1)·bound)` in Double, u = (z >> 40)/2²⁴; the `features` convolutions in index order, weight (C
/// order) then bias, one stream per network; weight bound √(6/fan_in), bias bound 1/√fan_in.
public enum RandomTrunk {
    /// The seeds of `deep_metrics.py`.
    public static func seed(_ architecture: TrunkArchitecture) -> UInt64 { architecture == .alexnet ? 20_240_601 : 20_240_602 }

    /// `features.N.weight` and `features.N.bias` of every convolution, in order.
    public static func tensors(_ architecture: TrunkArchitecture) -> [(name: String, shape: [Int], values: [Float])] {
        var generator = SplitMix64(seed: seed(architecture))
        func draw(_ count: Int, bound: Double) -> [Float] {
            (0..<count).map { _ in Float((Double(generator.next() >> 40) / 16_777_216 * 2 - 1) * bound) }
        }
        var out: [(name: String, shape: [Int], values: [Float])] = []
        for conv in architecture.convolutions {
            let fanIn = conv.inChannels * conv.kernel * conv.kernel
            let shape = [conv.outChannels, conv.inChannels, conv.kernel, conv.kernel]
            out.append(("features.\(conv.index).weight", shape, draw(shape.reduce(1, *), bound: (6 / Double(fanIn)).squareRoot())))
            out.append(("features.\(conv.index).bias", [conv.outChannels], draw(conv.outChannels, bound: 1 / Double(fanIn).squareRoot())))
        }
        return out
    }

    /// The same as a state dict.
    public static func stateDict(_ architecture: TrunkArchitecture) throws -> [(name: String, tensor: StoredTensor)] {
        try tensors(architecture).map { ($0.name, try StoredTensor(shape: $0.shape, float32: $0.values)) }
    }

    /// Writes the trunk as a `torch.save` file named as torchvision's (`alexnet-owt-7be5be79.pth`,
    /// `vgg16-397923af.pth`) into `folder` (created), e.g. a temporary `$TORCH_HOME/hub/checkpoints`; returns its URL.
    /// `legacy` writes the format before PyTorch 1.6, the one of torchvision's 2017 VGG16 file.
    @discardableResult
    public static func writeCheckpoint(_ architecture: TrunkArchitecture, into folder: URL, legacy: Bool = false) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(architecture.weightsFileName)
        try TorchSaveWriter.write(tensors(architecture), to: url, legacy: legacy)
        return url
    }

    /// The `models/` folder of this checkout, whose `metrics/` holds the LPIPS heads and DISTS alpha/beta.
    public static var modelsFolder: URL {
        Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models")
    }
}
