// 2-D convolution (PyTorch `F.conv2d`) on oneDNN, with its backward for input, weight and bias.
import CDNNL

/// Zero padding of a 2-D convolution's input, possibly different on each side.
///
/// PyTorch's `nn.Conv2d(padding=p)` and `padding=(h, w)` are symmetric (`Padding2D(p)`, `.same(p)`,
/// `.symmetric(h, w)`); an asymmetric padding such as `F.pad(x, (left, right, top, bottom))`
/// followed by an unpadded convolution is `Padding2D(top:left:bottom:right:)`, computed in one pass. An integer
/// literal stands for the same padding on every side, so `padding: 1` reads as in PyTorch.
public struct Padding2D: Hashable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int

    /// Each side given separately (all ≥ 0).
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
    }

    /// `height` rows above and below, `width` columns left and right (PyTorch `padding=(height, width)`).
    public init(height: Int, width: Int) { self.init(top: height, left: width, bottom: height, right: width) }

    /// `amount` on every side (PyTorch `padding=amount`).
    public init(_ amount: Int) { self.init(height: amount, width: amount) }

    public init(integerLiteral value: Int) { self.init(value) }

    /// No padding (PyTorch's default, `padding=0` or `"valid"`).
    public static let zero = Padding2D(0)

    /// `amount` on every side, the same on all four (PyTorch `padding=amount`).
    public static func same(_ amount: Int) -> Padding2D { Padding2D(amount) }

    /// `height` rows above and below, `width` columns left and right (PyTorch `padding=(height, width)`).
    public static func symmetric(_ height: Int, _ width: Int) -> Padding2D { Padding2D(height: height, width: width) }

    /// The padding that keeps the spatial size at stride 1 (PyTorch `padding="same"`): `k − 1` in total per
    /// axis, the odd one extra at the bottom/right as PyTorch does for even kernels.
    public static func keepingSize(kernelHeight: Int, kernelWidth: Int) -> Padding2D {
        let h = kernelHeight - 1, w = kernelWidth - 1
        return Padding2D(top: h / 2, left: w / 2, bottom: h - h / 2, right: w - w / 2)
    }

    public var description: String { "(top \(top), left \(left), bottom \(bottom), right \(right))" }
}

extension Tensor {
    /// 2-D cross-correlation of this NCHW input (or CHW, a batch of one) with `weight`, plus `bias`
    /// (PyTorch `F.conv2d(input, weight, bias, stride, padding, dilation=1, groups)`).
    ///
    /// - Parameters:
    ///   - weight: `[outChannels, inChannels / groups, kernelHeight, kernelWidth]`, as PyTorch stores it.
    ///   - bias: `[outChannels]`, or nil.
    ///   - stride: vertical and horizontal step (both ≥ 1).
    ///   - padding: zeros added around the input before the convolution (see `Padding2D`; may be asymmetric).
    ///   - groups: input and output channels split into `groups` independent convolutions; `groups ==
    ///     inChannels` is a depthwise convolution. Both channel counts must be divisible by it.
    /// - Returns: `[N, outChannels, H', W']` (or `[outChannels, H', W']` for a CHW input) with
    ///   `H' = (H + top + bottom − kernelHeight) / strideH + 1` (floor), likewise for `W'`.
    ///
    /// Gradients flow to the input, the weight and the bias. Shapes that do not fit stop with a precondition
    /// message naming both shapes.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: Padding2D = .zero,
                       groups: Int = 1) -> Tensor {
        convolution2D(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups, activation: nil)
    }

    /// `activation(conv2d(…))` computed by one oneDNN primitive (the activation is a post-op applied while the
    /// output is still in cache), for inference: it records nothing and must not be given tracked tensors under
    /// gradient mode (wrap the call in `withNoGrad`).
    package func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: Padding2D = .zero,
                        groups: Int = 1, fusedActivation: FusedActivation) -> Tensor {
        precondition(!GradMode.isEnabled || !(isTracked || weight.isTracked || bias?.isTracked == true),
                     "conv2d(fusedActivation:): inference only; call it inside withNoGrad or on untracked tensors")
        return convolution2D(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups,
                             activation: fusedActivation)
    }

    /// The geometry of `conv2d` for this input, checked against the weight and bias.
    func convolutionGeometry(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: Padding2D,
                             groups: Int) -> ConvolutionGeometry {
        precondition(rank == 4, "conv2d: input must be NCHW (or CHW), got \(shape)")
        precondition(weight.rank == 4, "conv2d: weight must be [out, in/groups, kH, kW], got \(weight.shape)")
        precondition(groups >= 1, "conv2d: groups must be ≥ 1, got \(groups)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, perGroup, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        precondition(c % groups == 0 && o % groups == 0,
                     "conv2d: \(c) input and \(o) output channels are not both divisible by groups = \(groups)")
        precondition(perGroup * groups == c,
                     "conv2d: input \(shape) has \(c) channels but weight \(weight.shape) with groups = \(groups) expects \(perGroup * groups)")
        if let bias {
            precondition(bias.shape == [o], "conv2d: bias \(bias.shape) does not match \(o) output channels")
        }
        precondition(stride.0 >= 1 && stride.1 >= 1, "conv2d: stride \(stride) must be ≥ 1")
        precondition(padding.top >= 0 && padding.left >= 0 && padding.bottom >= 0 && padding.right >= 0,
                     "conv2d: negative padding \(padding)")
        precondition(kh >= 1 && kw >= 1 && c >= 1 && o >= 1, "conv2d: empty weight \(weight.shape) or input \(shape)")
        precondition(h + padding.top + padding.bottom >= kh && w + padding.left + padding.right >= kw,
                     "conv2d: kernel \(kh)×\(kw) larger than the padded input \(shape) with padding \(padding)")
        return ConvolutionGeometry(
            batch: n, inChannels: c, height: h, width: w, outChannels: o, kernelH: kh, kernelW: kw,
            strideH: stride.0, strideW: stride.1, padTop: padding.top, padLeft: padding.left,
            padBottom: padding.bottom, padRight: padding.right, groups: groups, hasBias: bias != nil)
    }

    private func convolution2D(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: Padding2D, groups: Int,
                               activation: FusedActivation?) -> Tensor {
        if rank == 3 {
            let y = reshaped([1] + shape)
                .convolution2D(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups, activation: activation)
            return y.reshaped(Array(y.shape.dropFirst()))
        }
        let g = convolutionGeometry(weight: weight, bias: bias, stride: stride, padding: padding, groups: groups)
        let x = self
        let recorded = GradMode.isEnabled && (x.isTracked || weight.isTracked || bias?.isTracked == true)
        if !recorded && g.batch > 0 && SpaceToDepthConvolution.applies(to: g) {
            return SpaceToDepthConvolution.rearrangedInput(x, g).convolution2D(
                weight: SpaceToDepthConvolution.rearrangedWeight(weight, g), bias: bias, stride: (1, 1), padding: Padding2D.zero,
                groups: 1, activation: activation)
        }
        let result: Tensor
        if g.batch == 0 {
            result = Tensor.zeros(g.destinationDims)
        } else {
            result = Tensor.filled(g.destinationDims) { _ in }
            if !recorded, let plan = WinogradConvolution.plan(g, activation: activation, prepared: weight.storage.winogradFilters) {
                WinogradConvolution.forward(g, x: x.storage.pointer, weight: weight.storage.pointer,
                                            prepared: plan.filters.map { (plan.tile, $0) },
                                            bias: bias.map { UnsafePointer($0.storage.pointer) }, activation: activation,
                                            y: result.storage.pointer)
                return result
            }
            var buffers: [Int32: UnsafeMutablePointer<Float>] = [
                DNNL_ARG_SRC: x.storage.pointer, DNNL_ARG_WEIGHTS: weight.storage.pointer, DNNL_ARG_DST: result.storage.pointer,
            ]
            if let bias { buffers[DNNL_ARG_BIAS] = bias.storage.pointer }
            Self.runConvolution(g, [(.forward(activation), buffers)])
        }
        guard activation == nil else { return result }
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return Tensor.record("conv2d", inputs: inputs, result: result) { gy in
            guard g.batch > 0 else { return inputs.map { Tensor.zeros($0.shape) } }
            // Both backward passes run together so the output gradient is reordered into oneDNN's layout once.
            var steps: [(ConvolutionPass, [Int32: UnsafeMutablePointer<Float>])] = []
            let gx = x.isTracked ? Tensor.filled(x.shape) { _ in } : nil
            if let gx {
                steps.append((.backwardData, [DNNL_ARG_DIFF_DST: gy.storage.pointer, DNNL_ARG_WEIGHTS: weight.storage.pointer,
                                              DNNL_ARG_DIFF_SRC: gx.storage.pointer]))
            }
            let gw = weight.isTracked ? Tensor.filled(weight.shape) { _ in } : nil
            // With the weight gradient, oneDNN computes the bias gradient in the same pass; alone, it is a sum.
            let gb = gw != nil ? bias.map { Tensor.filled($0.shape) { _ in } } : (bias?.isTracked == true ? gy.sum(axes: [0, 2, 3]) : nil)
            if let gw {
                var buffers: [Int32: UnsafeMutablePointer<Float>] = [
                    DNNL_ARG_SRC: x.storage.pointer, DNNL_ARG_DIFF_DST: gy.storage.pointer, DNNL_ARG_DIFF_WEIGHTS: gw.storage.pointer,
                ]
                if let gb { buffers[DNNL_ARG_DIFF_BIAS] = gb.storage.pointer }
                steps.append((.backwardWeights, buffers))
            }
            Self.runConvolution(g, steps)
            var grads: [Tensor?] = [gx, gw]
            if bias != nil { grads.append(bias?.isTracked == true ? gb : nil) }
            return grads
        }
    }

    /// Runs cached convolution primitives in order; oneDNN failures left after validation stop the program with
    /// the backend's message.
    private static func runConvolution(_ g: ConvolutionGeometry,
                                       _ steps: [(ConvolutionPass, [Int32: UnsafeMutablePointer<Float>])]) {
        guard !steps.isEmpty else { return }
        do {
            let context = try DNNL.context()
            let primitives = try steps.map { (try ConvolutionPrimitive.cached(g, $0.0), $0.1) }
            try ConvolutionPrimitive.run(primitives, context: context)
        } catch {
            DNNL.trap(error, "conv2d")
        }
    }
}
