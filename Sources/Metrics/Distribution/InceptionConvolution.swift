import Checkpoints
import WildTensor

/// One `BasicConv2d` of the FID Inception for inference: relu(BN(conv(x))) with the BatchNorm folded into the
/// convolution, so that it runs as one oneDNN primitive with a bias and a fused ReLU.
///
/// BatchNorm in evaluation mode is γ·(y − μ)/√(σ² + ε) + β per output channel, ε = 0.001 (torchvision's
/// `BasicConv2d`); with s = γ/√(σ² + ε) the folded convolution has weight s·W and bias β − s·μ (computed in Double,
/// stored in Float; the result differs from PyTorch's two steps only by Float rounding).
struct InceptionConvolution {
    static let batchNormEpsilon = 0.001

    let weight: Tensor
    let bias: Tensor
    let stride: Int
    let padding: Padding2D

    /// The folded layer of `layout` from its five tensors, looked up by name in `tensors` (already checked for
    /// presence, shape and finiteness by the caller).
    init(_ layout: InceptionConvolutionLayout, tensors: [String: StoredTensor]) {
        func values(_ suffix: String) -> [Double] { (tensors["\(layout.name).\(suffix)"]?.floatValues() ?? []).map { Double($0) } }
        let kernel = values("conv.weight"), gamma = values("bn.weight"), beta = values("bn.bias")
        let mean = values("bn.running_mean"), variance = values("bn.running_var")
        let perOutput = layout.inChannels * layout.kernel.height * layout.kernel.width
        var folded = [Float](repeating: 0, count: kernel.count), shift = [Float](repeating: 0, count: layout.outChannels)
        for o in 0..<layout.outChannels {
            let scale = gamma[o] / (variance[o] + Self.batchNormEpsilon).squareRoot()
            for k in 0..<perOutput { folded[o * perOutput + k] = Float(scale * kernel[o * perOutput + k]) }
            shift[o] = Float(beta[o] - scale * mean[o])
        }
        weight = Tensor(shape: [layout.outChannels, layout.inChannels, layout.kernel.height, layout.kernel.width], values: folded)
        bias = Tensor(shape: [layout.outChannels], values: shift)
        stride = layout.stride
        padding = .symmetric(layout.padding.height, layout.padding.width)
        // Frozen weights: the stride-1 3×3 layers (Conv2d_4a, Mixed_5b–d, Mixed_7) run Winograd's F(4×4, 3×3) or
        // F(2×2, 3×3) with filters transformed once.
        if stride == 1 { weight.prepareWinogradFilters(tiles: [.f2x2, .f4x4]) }
    }

    /// relu(BN(conv(x))) of an NCHW batch (inside `withNoGrad`).
    func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: (stride, stride), padding: padding, fusedActivation: .relu)
    }
}
