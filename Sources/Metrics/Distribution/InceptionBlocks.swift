import WildTensor

/// The five kinds of mixed blocks of the FID Inception (torchvision `InceptionA` … `InceptionE` with pytorch-fid's
/// patches), each the channel concatenation of its branches in torchvision's order.
extension FIDInception {
    /// A (Mixed_5b–5d, `FIDInceptionA`): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | average without padding→1×1.
    func inceptionA(_ block: String, _ x: Tensor) -> Tensor {
        let b5 = conv("\(block).branch5x5_2", conv("\(block).branch5x5_1", x))
        let b3 = conv("\(block).branch3x3dbl_3", conv("\(block).branch3x3dbl_2", conv("\(block).branch3x3dbl_1", x)))
        let pool = conv("\(block).branch_pool", InceptionPooling.averageExcludingPadding(x))
        return Tensor.concatenate([conv("\(block).branch1x1", x), b5, b3, pool], axis: 1)
    }

    /// B (Mixed_6a, torchvision's `InceptionB`): 3×3 stride 2 | 1×1→3×3→3×3 stride 2 | max-pool 3 stride 2.
    func inceptionB(_ block: String, _ x: Tensor) -> Tensor {
        let b3 = conv("\(block).branch3x3dbl_3", conv("\(block).branch3x3dbl_2", conv("\(block).branch3x3dbl_1", x)))
        return Tensor.concatenate([conv("\(block).branch3x3", x), b3, x.maxPool2d(kernel: (3, 3), stride: (2, 2))], axis: 1)
    }

    /// C (Mixed_6b–6e, `FIDInceptionC`): 1×1 | 1×1→1×7→7×1 | 1×1→7×1→1×7→7×1→1×7 | average without padding→1×1.
    func inceptionC(_ block: String, _ x: Tensor) -> Tensor {
        var b7 = x
        for k in 1...3 { b7 = conv("\(block).branch7x7_\(k)", b7) }
        var double = x
        for k in 1...5 { double = conv("\(block).branch7x7dbl_\(k)", double) }
        let pool = conv("\(block).branch_pool", InceptionPooling.averageExcludingPadding(x))
        return Tensor.concatenate([conv("\(block).branch1x1", x), b7, double, pool], axis: 1)
    }

    /// D (Mixed_7a, torchvision's `InceptionD`): 1×1→3×3 stride 2 | 1×1→1×7→7×1→3×3 stride 2 | max-pool 3 stride 2.
    func inceptionD(_ block: String, _ x: Tensor) -> Tensor {
        let b3 = conv("\(block).branch3x3_2", conv("\(block).branch3x3_1", x))
        var b7 = x
        for k in 1...4 { b7 = conv("\(block).branch7x7x3_\(k)", b7) }
        return Tensor.concatenate([b3, b7, x.maxPool2d(kernel: (3, 3), stride: (2, 2))], axis: 1)
    }

    /// E (Mixed_7b `FIDInceptionE_1`, Mixed_7c `FIDInceptionE_2`): 1×1 | 1×1→(1×3 | 3×1) | 1×1→3×3→(1×3 | 3×1) |
    /// pool→1×1, the pool an average without padding in 7b and a 3×3 max-pool (stride 1, padding 1) in 7c.
    func inceptionE(_ block: String, _ x: Tensor, maxPooling: Bool) -> Tensor {
        let s3 = conv("\(block).branch3x3_1", x)
        let d3 = conv("\(block).branch3x3dbl_2", conv("\(block).branch3x3dbl_1", x))
        let pooled = maxPooling ? x.maxPool2d(kernel: (3, 3), stride: (1, 1), padding: (1, 1)) : InceptionPooling.averageExcludingPadding(x)
        return Tensor.concatenate([conv("\(block).branch1x1", x),
                                   conv("\(block).branch3x3_2a", s3), conv("\(block).branch3x3_2b", s3),
                                   conv("\(block).branch3x3dbl_3a", d3), conv("\(block).branch3x3dbl_3b", d3),
                                   conv("\(block).branch_pool", pooled)], axis: 1)
    }
}
