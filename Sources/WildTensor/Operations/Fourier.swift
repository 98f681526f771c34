import Foundation

// The real 2-D discrete Fourier transform over the last two axes (PyTorch `torch.view_as_real(torch.fft.rfft2(x))`,
// norm "backward": no scaling forward), with its backward, the adjoint of the same linear map.
//
// Why dense DFT matrices through BLAS rather than an FFT (KISS FFT, as `Imaging` uses): the transform's users are
// losses on small maps (SSP-IR's structure-prior heads: 1/2, 1/4 and 1/8 of a 512² crop, so at most 256²), where
// two GEMMs per plane (O(H·W·(H + W)) multiply-adds on OpenBLAS) cost a few milliseconds; the engine keeps no
// C dependency beyond oneDNN and OpenBLAS; any length works (no radix or Bluestein cases); and the backward is
// literally the transposed products, so forward and adjoint cannot drift apart. An FFT would pay off above
// ~512 per side, which no caller needs today.
//
// Layout: for x of shape [..., H, W] the result is [..., H, W/2 + 1, 2] with (real, imaginary) last, as
// `view_as_real` gives. With Wr = W/2 + 1, θ(k, n, N) = 2πkn/N:
//   step 1, along W:  A_re = x·C_W,  A_im = −x·S_W        (C_W[w, k] = cos θ(k, w, W), S_W = sin; [W, Wr])
//   step 2, along H:  X_re = C_H·A_re + S_H·A_im,  X_im = C_H·A_im − S_H·A_re   (C_H, S_H: [H, H], symmetric)
// and backward, for the upstream (G_re, G_im):
//   dA_re = C_H·G_re − S_H·G_im,  dA_im = S_H·G_re + C_H·G_im,  dx = dA_re·C_Wᵀ − dA_im·S_Wᵀ.
// The twiddles are exact at multiples of a quarter turn (sin 0 = sin π = 0 exactly), so the imaginary parts that
// are zero in exact arithmetic (the DC and Nyquist bins of a real signal) are exactly zero here too.

extension Tensor {
    /// `torch.view_as_real(torch.fft.rfft2(x))`: the DFT over the last two axes (H, W) of a real tensor, keeping the
    /// W/2 + 1 non-redundant frequencies of the last axis, unnormalised (norm "backward"); shape
    /// [..., H, W/2 + 1, 2] with the real part first. Rank 2 to 4 (the result has one axis more).
    public func realFFT2() -> Tensor {
        precondition(rank >= 2 && rank < Tensor.maximumRank, "realFFT2: input \(shape) must have rank 2…\(Tensor.maximumRank - 1)")
        let height = shape[rank - 2], width = shape[rank - 1]
        precondition(height > 0 && width > 0, "realFFT2: empty input \(shape)")
        let plan = DFTPlan(height: height, width: width)
        let planes = count / (height * width)
        let x = self
        let result = Tensor.filled(Array(shape.dropLast()) + [plan.bins, 2]) { out in
            plan.forward(x.storage.pointer, planes: planes, into: out.baseAddress!)
        }
        return Tensor.record("rfft2", inputs: [x], result: result) { g in
            [Tensor.filled(x.shape) { out in plan.adjoint(g.storage.pointer, planes: planes, into: out.baseAddress!) }]
        }
    }
}

/// The DFT matrices of one (H, W) and the products of the real 2-D transform and its adjoint (see the file's notes).
struct DFTPlan {
    let height: Int, width: Int
    /// W/2 + 1, the frequencies kept along the last axis.
    let bins: Int
    /// C_W, S_W: [W, bins], row-major.
    let cosW: [Float], sinW: [Float]
    /// C_H, S_H: [H, H], row-major (symmetric).
    let cosH: [Float], sinH: [Float]

    init(height: Int, width: Int) {
        self.height = height
        self.width = width
        bins = width / 2 + 1
        (cosW, sinW) = DFTPlan.twiddles(rows: width, columns: bins, length: width)
        (cosH, sinH) = DFTPlan.twiddles(rows: height, columns: height, length: height)
    }

    /// cos and sin of 2π·(r·c mod N)/N for r < rows, c < columns, computed in Double with the product reduced
    /// modulo N first (no loss of accuracy for large r·c) and exact values at multiples of a quarter turn.
    static func twiddles(rows: Int, columns: Int, length n: Int) -> (cos: [Float], sin: [Float]) {
        var cosines = [Float](repeating: 0, count: rows * columns), sines = cosines
        for r in 0..<rows {
            for c in 0..<columns {
                let m = (r * c) % n
                var (co, si): (Double, Double)
                if 4 * m % n == 0 {
                    // 0, ¼, ½, ¾ of a turn: exactly (1, 0), (0, 1), (−1, 0), (0, −1).
                    switch 4 * m / n { case 0: (co, si) = (1, 0); case 1: (co, si) = (0, 1); case 2: (co, si) = (-1, 0); default: (co, si) = (0, -1) }
                } else {
                    let angle = 2 * Double.pi * Double(m) / Double(n)
                    (co, si) = (Foundation.cos(angle), Foundation.sin(angle))
                }
                cosines[r * columns + c] = Float(co)
                sines[r * columns + c] = Float(si)
            }
        }
        return (cosines, sines)
    }

    /// x [planes, H, W] → [planes, H, bins, 2].
    func forward(_ x: UnsafePointer<Float>, planes: Int, into out: UnsafeMutablePointer<Float>) {
        let plane = height * bins, rows = planes * height
        // Step 1 over every row of every plane at once: [planes·H, W]·[W, bins].
        let aRe = UnsafeMutablePointer<Float>.allocate(capacity: 2 * rows * bins)
        defer { aRe.deallocate() }
        let aIm = aRe + rows * bins
        cosW.withUnsafeBufferPointer { c in
            BLAS.gemm(transA: false, transB: false, m: rows, n: bins, k: width, a: x, lda: width, b: c.baseAddress!, ldb: bins, c: aRe, ldc: bins)
        }
        sinW.withUnsafeBufferPointer { s in
            BLAS.gemm(transA: false, transB: false, m: rows, n: bins, k: width, alpha: -1, a: x, lda: width, b: s.baseAddress!, ldb: bins,
                      c: aIm, ldc: bins)
        }
        // Step 2 per plane: X_re = C_H·A_re + S_H·A_im, X_im = C_H·A_im − S_H·A_re.
        combine(planes: planes, first: aRe, second: aIm, signs: (1, 1, 1, -1), into: out, plane: plane)
    }

    /// The adjoint: upstream g [planes, H, bins, 2] → [planes, H, W].
    func adjoint(_ g: UnsafePointer<Float>, planes: Int, into out: UnsafeMutablePointer<Float>) {
        let plane = height * bins, rows = planes * height
        // De-interleave the upstream gradient into its real and imaginary planes.
        let gRe = UnsafeMutablePointer<Float>.allocate(capacity: 4 * rows * bins)
        defer { gRe.deallocate() }
        let gIm = gRe + rows * bins, dRe = gIm + rows * bins, dIm = dRe + rows * bins
        for i in 0..<(rows * bins) { gRe[i] = g[2 * i]; gIm[i] = g[2 * i + 1] }
        // dA_re = C_H·G_re − S_H·G_im, dA_im = C_H·G_im + S_H·G_re (C_H, S_H symmetric, so no transposition).
        let interleaved = UnsafeMutablePointer<Float>.allocate(capacity: 2 * rows * bins)
        defer { interleaved.deallocate() }
        combine(planes: planes, first: gRe, second: gIm, signs: (1, -1, 1, 1), into: interleaved, plane: plane)
        for i in 0..<(rows * bins) { dRe[i] = interleaved[2 * i]; dIm[i] = interleaved[2 * i + 1] }
        // dx = dA_re·C_Wᵀ − dA_im·S_Wᵀ over every row at once.
        cosW.withUnsafeBufferPointer { c in
            BLAS.gemm(transA: false, transB: true, m: rows, n: width, k: bins, a: dRe, lda: bins, b: c.baseAddress!, ldb: bins, c: out, ldc: width)
        }
        sinW.withUnsafeBufferPointer { s in
            BLAS.gemm(transA: false, transB: true, m: rows, n: width, k: bins, alpha: -1, a: dIm, lda: bins, b: s.baseAddress!, ldb: bins,
                      beta: 1, c: out, ldc: width)
        }
    }

    /// Per plane p, with P = first[p], Q = second[p] ([H, bins] each) and signs (a, b, c, d):
    /// real = a·C_H·P + b·S_H·Q and imaginary = c·C_H·Q + d·S_H·P, written interleaved into out[p] ([H, bins, 2]).
    private func combine(planes: Int, first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>,
                         signs: (Float, Float, Float, Float), into out: UnsafeMutablePointer<Float>, plane: Int) {
        let re = UnsafeMutablePointer<Float>.allocate(capacity: 2 * plane)
        defer { re.deallocate() }
        let im = re + plane
        cosH.withUnsafeBufferPointer { cb in
            sinH.withUnsafeBufferPointer { sb in
                let c = cb.baseAddress!, s = sb.baseAddress!
                for p in 0..<planes {
                    let pp = first + p * plane, qq = second + p * plane
                    BLAS.gemm(transA: false, transB: false, m: height, n: bins, k: height, alpha: signs.0, a: c, lda: height, b: pp, ldb: bins,
                              c: re, ldc: bins)
                    BLAS.gemm(transA: false, transB: false, m: height, n: bins, k: height, alpha: signs.1, a: s, lda: height, b: qq, ldb: bins,
                              beta: 1, c: re, ldc: bins)
                    BLAS.gemm(transA: false, transB: false, m: height, n: bins, k: height, alpha: signs.2, a: c, lda: height, b: qq, ldb: bins,
                              c: im, ldc: bins)
                    BLAS.gemm(transA: false, transB: false, m: height, n: bins, k: height, alpha: signs.3, a: s, lda: height, b: pp, ldb: bins,
                              beta: 1, c: im, ldc: bins)
                    let o = out + 2 * p * plane
                    for i in 0..<plane { o[2 * i] = re[i]; o[2 * i + 1] = im[i] }
                }
            }
        }
    }
}
