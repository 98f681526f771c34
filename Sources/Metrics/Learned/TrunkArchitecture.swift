/// The ImageNet classification networks whose convolutional `features` LPIPS and DISTS read, as torchvision defines
/// them (`torchvision/models/alexnet.py`, `vgg.py` configuration "D"), with torchvision's layer indices: the weight
/// of layer `N` is `features.N.weight` in torchvision's files.
public enum TrunkArchitecture: String, CaseIterable, Sendable {
    /// AlexNet (Krizhevsky et al. 2012), torchvision's one-weird-trick variant: five convolutions, three max-pools.
    case alexnet
    /// VGG16 (Simonyan & Zisserman 2015), configuration D: thirteen 3×3 convolutions, five max-pools.
    case vgg16

    /// One layer of `features`.
    public enum Layer: Equatable, Sendable {
        /// `nn.Conv2d(inChannels, outChannels, kernel, stride, padding)` with bias.
        case convolution(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int)
        /// `nn.ReLU`.
        case relu
        /// `nn.MaxPool2d(kernel, stride)` (floor mode, no padding).
        case maxPool(kernel: Int, stride: Int)
    }

    /// The layers of `features`, index = position.
    public var layers: [Layer] {
        func conv(_ i: Int, _ o: Int, _ k: Int, _ s: Int = 1, _ p: Int) -> Layer {
            .convolution(inChannels: i, outChannels: o, kernel: k, stride: s, padding: p)
        }
        switch self {
        case .alexnet:
            return [conv(3, 64, 11, 4, 2), .relu, .maxPool(kernel: 3, stride: 2),
                    conv(64, 192, 5, 1, 2), .relu, .maxPool(kernel: 3, stride: 2),
                    conv(192, 384, 3, 1, 1), .relu,
                    conv(384, 256, 3, 1, 1), .relu,
                    conv(256, 256, 3, 1, 1), .relu, .maxPool(kernel: 3, stride: 2)]
        case .vgg16:
            var layers: [Layer] = []
            var channels = 3
            for block in [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]] {
                for width in block {
                    layers += [conv(channels, width, 3, 1, 1), .relu]
                    channels = width
                }
                layers.append(.maxPool(kernel: 2, stride: 2))
            }
            return layers
        }
    }

    /// The convolutions with their indices (the `N` of `features.N.weight`).
    public var convolutions: [(index: Int, inChannels: Int, outChannels: Int, kernel: Int)] {
        layers.enumerated().compactMap { index, layer in
            guard case let .convolution(i, o, k, _, _) = layer else { return nil }
            return (index, i, o, k)
        }
    }

    /// The file torchvision's `pretrained=True` (IMAGENET1K_V1) weights are cached under in `$TORCH_HOME/hub/checkpoints`.
    public var weightsFileName: String {
        switch self {
        case .alexnet: "alexnet-owt-7be5be79.pth"
        case .vgg16: "vgg16-397923af.pth"
        }
    }

    /// Where torchvision downloads that file from.
    public var weightsURL: String { "https://download.pytorch.org/models/\(weightsFileName)" }

    /// The name in tables and messages ("AlexNet", "VGG16").
    public var title: String { self == .alexnet ? "AlexNet" : "VGG16" }

    /// The spatial size after layers `0...last` for an input side `side`, or nil when a layer's window does not
    /// fit (PyTorch would refuse such an input). `l2Pooling` replaces every max-pool by DISTS's L2 pooling
    /// (3×3, stride 2, padding 1: ⌈side/2⌉).
    func outputSide(_ side: Int, through last: Int, l2Pooling: Bool = false) -> Int? {
        var size = side
        for layer in layers.prefix(last + 1) {
            switch layer {
            case let .convolution(_, _, kernel, stride, padding):
                guard size + 2 * padding >= kernel else { return nil }
                size = (size + 2 * padding - kernel) / stride + 1
            case .relu:
                continue
            case let .maxPool(kernel, stride):
                if l2Pooling { size = (size + 1) / 2; continue }
                guard size >= kernel else { return nil }
                size = (size - kernel) / stride + 1
            }
        }
        return size
    }

    /// The smallest image side for which layers `0...last` all fit.
    func minimumSide(through last: Int) -> Int {
        var side = 1
        while outputSide(side, through: last) == nil { side += 1 }
        return side
    }
}
