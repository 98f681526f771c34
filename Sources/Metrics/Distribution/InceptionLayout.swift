/// The convolutions of pytorch-fid's FID Inception (pytorch-fid 0.3.0 `inception.py`, `fid_inception_v3`: torchvision's
/// InceptionV3 with `FIDInceptionA/C/E_1/E_2` blocks), each a torchvision `BasicConv2d` — a bias-free convolution,
/// BatchNorm (eps 0.001) and ReLU — under its state-dict prefix (`Mixed_6b.branch7x7_2`): its parameters are
/// `<prefix>.conv.weight` and `<prefix>.bn.{weight,bias,running_mean,running_var}`.
public struct InceptionConvolutionLayout: Equatable, Sendable {
    /// The state-dict prefix, e.g. `Conv2d_1a_3x3` or `Mixed_7c.branch3x3dbl_3b`.
    public let name: String
    public let inChannels: Int
    public let outChannels: Int
    /// Kernel height and width (the 7×1 and 1×7 factorised convolutions differ).
    public let kernel: (height: Int, width: Int)
    public let stride: Int
    /// Zero rows above and below, columns left and right.
    public let padding: (height: Int, width: Int)

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.inChannels == b.inChannels && a.outChannels == b.outChannels && a.kernel == b.kernel
            && a.stride == b.stride && a.padding == b.padding
    }

    /// The names and shapes of its five tensors, convolution weight first.
    public var parameterShapes: [(name: String, shape: [Int])] {
        [("\(name).conv.weight", [outChannels, inChannels, kernel.height, kernel.width])]
            + ["weight", "bias", "running_mean", "running_var"].map { ("\(name).bn.\($0)", [outChannels]) }
    }
}

extension FIDInception {
    /// Every convolution in the order the forward pass runs them: the stem (Conv2d_1a … Conv2d_4a), Mixed_5b–5d
    /// (A), Mixed_6a (B), Mixed_6b–6e (C), Mixed_7a (D), Mixed_7b–7c (E). 94 convolutions, 21.8 M parameters.
    public static let layout: [InceptionConvolutionLayout] = {
        var out: [InceptionConvolutionLayout] = []
        func conv(_ name: String, _ i: Int, _ o: Int, _ k: (Int, Int) = (1, 1), stride: Int = 1, padding: (Int, Int) = (0, 0)) {
            out.append(InceptionConvolutionLayout(name: name, inChannels: i, outChannels: o, kernel: (k.0, k.1), stride: stride,
                                                  padding: (padding.0, padding.1)))
        }
        conv("Conv2d_1a_3x3", 3, 32, (3, 3), stride: 2)
        conv("Conv2d_2a_3x3", 32, 32, (3, 3))
        conv("Conv2d_2b_3x3", 32, 64, (3, 3), padding: (1, 1))
        conv("Conv2d_3b_1x1", 64, 80)
        conv("Conv2d_4a_3x3", 80, 192, (3, 3))
        for (block, inChannels, poolFeatures) in [("Mixed_5b", 192, 32), ("Mixed_5c", 256, 64), ("Mixed_5d", 288, 64)] {
            conv("\(block).branch1x1", inChannels, 64)
            conv("\(block).branch5x5_1", inChannels, 48)
            conv("\(block).branch5x5_2", 48, 64, (5, 5), padding: (2, 2))
            conv("\(block).branch3x3dbl_1", inChannels, 64)
            conv("\(block).branch3x3dbl_2", 64, 96, (3, 3), padding: (1, 1))
            conv("\(block).branch3x3dbl_3", 96, 96, (3, 3), padding: (1, 1))
            conv("\(block).branch_pool", inChannels, poolFeatures)
        }
        conv("Mixed_6a.branch3x3", 288, 384, (3, 3), stride: 2)
        conv("Mixed_6a.branch3x3dbl_1", 288, 64)
        conv("Mixed_6a.branch3x3dbl_2", 64, 96, (3, 3), padding: (1, 1))
        conv("Mixed_6a.branch3x3dbl_3", 96, 96, (3, 3), stride: 2)
        for (block, c7) in [("Mixed_6b", 128), ("Mixed_6c", 160), ("Mixed_6d", 160), ("Mixed_6e", 192)] {
            conv("\(block).branch1x1", 768, 192)
            conv("\(block).branch7x7_1", 768, c7)
            conv("\(block).branch7x7_2", c7, c7, (1, 7), padding: (0, 3))
            conv("\(block).branch7x7_3", c7, 192, (7, 1), padding: (3, 0))
            conv("\(block).branch7x7dbl_1", 768, c7)
            conv("\(block).branch7x7dbl_2", c7, c7, (7, 1), padding: (3, 0))
            conv("\(block).branch7x7dbl_3", c7, c7, (1, 7), padding: (0, 3))
            conv("\(block).branch7x7dbl_4", c7, c7, (7, 1), padding: (3, 0))
            conv("\(block).branch7x7dbl_5", c7, 192, (1, 7), padding: (0, 3))
            conv("\(block).branch_pool", 768, 192)
        }
        conv("Mixed_7a.branch3x3_1", 768, 192)
        conv("Mixed_7a.branch3x3_2", 192, 320, (3, 3), stride: 2)
        conv("Mixed_7a.branch7x7x3_1", 768, 192)
        conv("Mixed_7a.branch7x7x3_2", 192, 192, (1, 7), padding: (0, 3))
        conv("Mixed_7a.branch7x7x3_3", 192, 192, (7, 1), padding: (3, 0))
        conv("Mixed_7a.branch7x7x3_4", 192, 192, (3, 3), stride: 2)
        for (block, inChannels) in [("Mixed_7b", 1280), ("Mixed_7c", 2048)] {
            conv("\(block).branch1x1", inChannels, 320)
            conv("\(block).branch3x3_1", inChannels, 384)
            conv("\(block).branch3x3_2a", 384, 384, (1, 3), padding: (0, 1))
            conv("\(block).branch3x3_2b", 384, 384, (3, 1), padding: (1, 0))
            conv("\(block).branch3x3dbl_1", inChannels, 448)
            conv("\(block).branch3x3dbl_2", 448, 384, (3, 3), padding: (1, 1))
            conv("\(block).branch3x3dbl_3a", 384, 384, (1, 3), padding: (0, 1))
            conv("\(block).branch3x3dbl_3b", 384, 384, (3, 1), padding: (1, 0))
            conv("\(block).branch_pool", inChannels, 192)
        }
        return out
    }()

    /// The names and shapes of every tensor FID reads, in the layout's order (`fc.*` and
    /// `*.bn.num_batches_tracked` of the file are not among them).
    public static var parameterShapes: [(name: String, shape: [Int])] { layout.flatMap(\.parameterShapes) }
}
