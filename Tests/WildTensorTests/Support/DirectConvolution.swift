@testable import WildTensor

/// The reference the fast convolution paths are checked against: the definition of a 2-D convolution summed in
/// Double, `activation(Σ_c Σ_uv w[o,c,u,v]·x[n,c,i·s+u−top,j·s+v−left] + b[o])`, zero outside the input, where the
/// activation keeps positive sums and multiplies the others by `slope` (0: ReLU; nil: none).
func directConvolution(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int = 1, padding: Padding2D,
                       slope: Double? = nil) -> [Double] {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (k, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + padding.top + padding.bottom - kh) / s + 1, ow = (wd + padding.left + padding.right - kw) / s + 1
    let xs = x.values, ws = w.values, bs = b?.values
    var out = [Double](repeating: 0, count: n * k * oh * ow)
    for item in 0..<n {
        for o in 0..<k {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var sum = Double(bs?[o] ?? 0)
                    for ci in 0..<c {
                        for u in 0..<kh {
                            let y = oy * s + u - padding.top
                            guard y >= 0 && y < h else { continue }
                            for v in 0..<kw {
                                let xx = ox * s + v - padding.left
                                guard xx >= 0 && xx < wd else { continue }
                                sum += Double(ws[((o * c + ci) * kh + u) * kw + v]) * Double(xs[((item * c + ci) * h + y) * wd + xx])
                            }
                        }
                    }
                    if let slope, sum <= 0 { sum *= slope }
                    out[((item * k + o) * oh + oy) * ow + ox] = sum
                }
            }
        }
    }
    return out
}
