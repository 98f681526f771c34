import Parallelism

/// Inference convolutions with a large stride over few channels, such as AlexNet's first layer (3 → 64 channels,
/// 11×11, stride 4), rewritten as a stride-1 convolution over a space-to-depth rearrangement of the input: each s×s
/// block of pixels becomes C·s² channels, and the K×K kernel, zero-padded to a multiple of s, becomes a
/// ⌈K/s⌉×⌈K/s⌉ kernel over them. Both compute the same sums (only their order differs), by the substitution
/// u = p·s + a in y[o,i,j] = Σ_{c,u,v} w[o,c,u,v] x[c, i·s + u − pad, j·s + v − pad].
///
/// Why by hand: for 3 input channels and stride 4 oneDNN falls back to im2col and a GEMM ("gemm:jit"), which ran
/// AlexNet's first layer at 35 GFLOP/s on one Zen 3 core; the rewritten layer (48 → 64 channels, 3×3, stride 1)
/// takes its direct AVX2 kernel, as every other AlexNet layer does. The rewrite costs (12/11)² ≈ 1.19× the
/// multiply-adds there; it is used only where the zero padding adds at most a quarter (`maximumExtraWork`), which
/// leaves out 3×3 and 7×7 kernels at stride 2, and only for overlapping windows (kernel larger than stride).
enum SpaceToDepthConvolution {
    /// Whether the forward pass of `g` runs here: no groups, the same stride s ≥ 2 both ways, kernels larger than
    /// the stride, at most `maximumInputChannels` input channels, and at most `maximumExtraWork` more
    /// multiply-adds than the original convolution.
    static func applies(to g: ConvolutionGeometry) -> Bool {
        let s = g.strideH
        guard enabled, g.groups == 1, s >= 2, g.strideW == s, g.kernelH > s, g.kernelW > s,
              g.inChannels <= maximumInputChannels
        else { return false }
        let padded = Double(roundedUp(g.kernelH, s) * roundedUp(g.kernelW, s))
        return padded <= maximumExtraWork * Double(g.kernelH * g.kernelW)
    }

    /// Input channels at most: the rewritten layer has C·s² of them.
    static let maximumInputChannels = 4
    /// The largest ratio of multiply-adds after the rewrite to before it.
    static let maximumExtraWork = 1.25

    /// Off when `WILDIR_CONV_ALGORITHM` asks oneDNN for every convolution, as ``WinogradConvolution`` is.
    static let enabled = WinogradConvolution.enabled

    /// `n` rounded up to a multiple of `s`.
    static func roundedUp(_ n: Int, _ s: Int) -> Int { (n + s - 1) / s * s }

    /// The input rearranged, `[N, C·s², Ho + ⌈Kh/s⌉ − 1, Wo + ⌈Kw/s⌉ − 1]`, channel (c, a, b) holding pixel
    /// (i·s + a − padTop, j·s + b − padLeft) of channel c at (i, j), zero outside the image.
    static func rearrangedInput(_ x: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let s = g.strideH
        let rows = g.outHeight + roundedUp(g.kernelH, s) / s - 1, columns = g.outWidth + roundedUp(g.kernelW, s) / s - 1
        let channels = g.inChannels * s * s
        let z = Tensor.zeros([g.batch, channels, rows, columns])
        let planes = UncheckedSendableBox((x.storage.pointer, z.storage.pointer))
        parallelChunks(g.batch * channels, minimumPerChunk: 4) { range in
            let (source, target) = planes.value
            for plane in range {
                let (n, k) = plane.quotientAndRemainder(dividingBy: channels)
                let (c, ab) = k.quotientAndRemainder(dividingBy: s * s), (a, b) = ab.quotientAndRemainder(dividingBy: s)
                let input = source + (n * g.inChannels + c) * g.height * g.width, output = target + plane * rows * columns
                // Columns j with 0 ≤ j·s + b − padLeft < width.
                let first = max(0, (g.padLeft - b + s - 1) / s)
                let last = min(columns, (g.width + g.padLeft - b + s - 1) / s)
                guard first < last else { continue }
                for i in 0..<rows {
                    let row = i * s + a - g.padTop
                    guard row >= 0, row < g.height else { continue }
                    let from = input + row * g.width + first * s + b - g.padLeft
                    for j in first..<last { output[i * columns + j] = from[(j - first) * s] }
                }
            }
        }
        return z
    }

    /// The weight rearranged to match, `[O, C·s², ⌈Kh/s⌉, ⌈Kw/s⌉]`, zero where p·s + a ≥ Kh or q·s + b ≥ Kw.
    static func rearrangedWeight(_ weight: Tensor, _ g: ConvolutionGeometry) -> Tensor {
        let s = g.strideH
        let (kh, kw) = (roundedUp(g.kernelH, s) / s, roundedUp(g.kernelW, s) / s)
        let channels = g.inChannels * s * s
        let w = Tensor.zeros([g.outChannels, channels, kh, kw])
        let (source, target) = (weight.storage.pointer, w.storage.pointer)
        for o in 0..<g.outChannels {
            for c in 0..<g.inChannels {
                for u in 0..<g.kernelH {
                    for v in 0..<g.kernelW {
                        let (p, a) = u.quotientAndRemainder(dividingBy: s), (q, b) = v.quotientAndRemainder(dividingBy: s)
                        let k = (c * s + a) * s + b
                        target[((o * channels + k) * kh + p) * kw + q] =
                            source[((o * g.inChannels + c) * g.kernelH + u) * g.kernelW + v]
                    }
                }
            }
        }
        return w
    }
}
