import Foundation
import Parallelism

// Group normalisation, layer normalisation over the last axis, and the channel-wise LayerNorm of the IR-SDE
// U-Net. All use biased variances and save only the per-group (per-row, per-pixel) mean and 1/σ for backward.
//
// With x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = x̂·w + b and ĝ = g·w, the gradients are the classic ones:
//   dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)),   dw = Σ g·x̂,   db = Σ g,
// with the means over the normalised set and the sums over everything a parameter was shared by.

extension Tensor {
    /// Normalises each of `groups` channel groups of every sample over its channels and positions, then applies a
    /// per-channel affine `weight`, `bias` (shape `[C]`), PyTorch `F.group_norm(x, groups, weight, bias, eps)`.
    /// Input `[N, C, …]` (NCHW, NCL, or `[N, C]`).
    public func groupNorm(groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2, "groupNorm: input \(shape) needs axes [N, C, …]")
        let batch = shape[0], channels = shape[1], positions = count / Swift.max(batch * channels, 1)
        precondition(groups > 0 && channels % groups == 0, "groupNorm: \(channels) channels do not split into \(groups) groups")
        for p in [weight, bias].compactMap({ $0 }) {
            precondition(p.count == channels, "groupNorm: affine parameter \(p.shape) for \(channels) channels")
        }
        let perGroup = channels / groups, groupSize = perGroup * positions
        let x = self
        // Saved for backward: the mean and 1/σ of every (sample, group).
        let statistics = Tensor.filled([2, batch * groups]) { _ in }
        let mean = UncheckedSendableBox(statistics.storage.pointer)
        let rstd = UncheckedSendableBox(statistics.storage.pointer + batch * groups)
        let result = Tensor.filled(shape) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            let w = UncheckedSendableBox(weight?.storage.pointer), b = UncheckedSendableBox(bias?.storage.pointer)
            EngineParallel.chunks(batch * groups, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(groupSize, 1))) { range in
                for group in range {
                    let start = group * groupSize
                    let (m, v) = Accumulation.meanAndVariance(src.value + start, groupSize)
                    let r = 1 / (v + eps).squareRoot()
                    mean.value[group] = m
                    rstd.value[group] = r
                    for k in 0..<perGroup {
                        let c = (group % groups) * perGroup + k
                        let scale = r * (w.value?[c] ?? 1), shift = (b.value?[c] ?? 0) - m * scale
                        let xi = src.value + start + k * positions, yi = dst.value + start + k * positions
                        for i in 0..<positions { yi[i] = xi[i] * scale + shift }
                    }
                }
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return Tensor.record("group_norm", inputs: inputs, result: result) { g in
            withExtendedLifetime(statistics) {}
            let planes = batch * channels
            // Per (sample, channel): Σ g and Σ g·x̂ over the positions.
            var gradSum = [Double](repeating: 0, count: Swift.max(planes, 1)), gradDot = gradSum
            gradSum.withUnsafeMutableBufferPointer { sumBuffer in
                gradDot.withUnsafeMutableBufferPointer { dotBuffer in
                    let gs = UncheckedSendableBox(sumBuffer.baseAddress!), gd = UncheckedSendableBox(dotBuffer.baseAddress!)
                    let src = UncheckedSendableBox(x.storage.pointer), up = UncheckedSendableBox(g.storage.pointer)
                    EngineParallel.chunks(planes, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(positions, 1))) { range in
                        for plane in range {
                            let group = (plane / channels) * groups + (plane % channels) / perGroup
                            let gp = up.value + plane * positions, xp = src.value + plane * positions
                            gs.value[plane] = Accumulation.sum(gp, positions)
                            let dot = Accumulation.centredDot(gp, xp, positions, around: mean.value[group])
                            gd.value[plane] = dot * Double(rstd.value[group])
                        }
                    }
                }
            }
            var grads: [Tensor?] = []
            if x.isTracked {
                // Per group: mean(ĝ) and mean(ĝ·x̂), then dx = α·g + β·(x − μ) + γ per channel (centred, so a
                // large common offset of x does not cancel).
                var meanGrad = [Float](repeating: 0, count: batch * groups), meanGradDot = meanGrad
                for group in 0..<(batch * groups) {
                    var a = 0.0, d = 0.0
                    for k in 0..<perGroup {
                        let c = (group % groups) * perGroup + k, plane = (group / groups) * channels + c
                        let wc = Double(weight?.storage.pointer[c] ?? 1)
                        a += wc * gradSum[plane]
                        d += wc * gradDot[plane]
                    }
                    meanGrad[group] = Float(a / Double(groupSize))
                    meanGradDot[group] = Float(d / Double(groupSize))
                }
                grads.append(Tensor.filled(x.shape) { out in
                    let src = UncheckedSendableBox(x.storage.pointer), up = UncheckedSendableBox(g.storage.pointer)
                    let dst = UncheckedSendableBox(out.baseAddress!), w = UncheckedSendableBox(weight?.storage.pointer)
                    EngineParallel.chunks(planes, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(positions, 1))) { range in
                        for plane in range {
                            let c = plane % channels, group = (plane / channels) * groups + c / perGroup
                            let r = rstd.value[group], m = mean.value[group]
                            let alpha = r * (w.value?[c] ?? 1), beta = -r * r * meanGradDot[group], gamma = -r * meanGrad[group]
                            let gp = up.value + plane * positions, xp = src.value + plane * positions
                            let o = dst.value + plane * positions
                            for i in 0..<positions { o[i] = alpha * gp[i] + beta * (xp[i] - m) + gamma }
                        }
                    }
                })
            } else {
                grads.append(nil)
            }
            func perChannel(_ values: [Double], like parameter: Tensor) -> Tensor {
                Tensor.summedBlocks(values, blocks: batch, width: channels, shape: parameter.shape)
            }
            if let weight { grads.append(weight.isTracked ? perChannel(gradDot, like: weight) : nil) }
            if let bias { grads.append(bias.isTracked ? perChannel(gradSum, like: bias) : nil) }
            return grads
        }
    }

    /// Normalises over the last axis, then applies `weight`, `bias` of that axis' length, PyTorch
    /// `F.layer_norm(x, (D,), weight, bias, eps)` (the `nn.LayerNorm` of the transformer blocks).
    public func layerNorm(weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 1, "layerNorm: input needs at least one axis")
        let width = shape[rank - 1], rows = count / Swift.max(width, 1)
        for p in [weight, bias].compactMap({ $0 }) {
            precondition(p.count == width, "layerNorm: affine parameter \(p.shape) for rows of \(width)")
        }
        let x = self
        let w = weight ?? Tensor.ones([width]), b = bias ?? Tensor.zeros([width])
        let statistics = Tensor.filled([2, rows]) { _ in }
        let mean = UncheckedSendableBox(statistics.storage.pointer), rstd = UncheckedSendableBox(statistics.storage.pointer + rows)
        let perChunk = Swift.max(1, Elementwise.grain / Swift.max(width, 1))
        let result = Tensor.filled(shape) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            let wp = UncheckedSendableBox(w.storage.pointer), bp = UncheckedSendableBox(b.storage.pointer)
            EngineParallel.chunks(rows, minimumPerChunk: perChunk) { range in
                for row in range {
                    let xr = src.value + row * width, yr = dst.value + row * width
                    let (m, v) = Accumulation.meanAndVariance(xr, width)
                    let r = 1 / (v + eps).squareRoot()
                    mean.value[row] = m
                    rstd.value[row] = r
                    for i in 0..<width { yr[i] = (xr[i] - m) * r * wp.value[i] + bp.value[i] }
                }
            }
        }
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return Tensor.record("layer_norm", inputs: inputs, result: result) { g in
            let wantWeight = weight?.isTracked ?? false, wantBias = bias?.isTracked ?? false
            let blocks = Accumulation.blockCount(rows, minimumPerBlock: perChunk)
            // One partial Σ g·x̂ and Σ g per block of rows, added up afterwards.
            var partialDot = [Double](repeating: 0, count: wantWeight ? blocks * width : 0)
            var partialSum = [Double](repeating: 0, count: wantBias ? blocks * width : 0)
            let gx = Tensor.filled(x.shape) { out in
                let src = UncheckedSendableBox(x.storage.pointer), up = UncheckedSendableBox(g.storage.pointer)
                let dst = UncheckedSendableBox(out.baseAddress!), wp = UncheckedSendableBox(w.storage.pointer)
                withExtendedLifetime(statistics) {}
                partialDot.withUnsafeMutableBufferPointer { dotBuffer in
                    partialSum.withUnsafeMutableBufferPointer { sumBuffer in
                        // (An empty array may still have a base address: test the flags, not the pointers.)
                        let pd = UncheckedSendableBox(wantWeight ? dotBuffer.baseAddress : nil)
                        let ps = UncheckedSendableBox(wantBias ? sumBuffer.baseAddress : nil)
                        Accumulation.parallelBlocks(rows, minimumPerBlock: perChunk) { block, range in
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * width) { scratch in
                                let xhat = scratch.baseAddress!, gh = xhat + width
                                for row in range {
                                    let xr = src.value + row * width, gr = up.value + row * width, o = dst.value + row * width
                                    let m = mean.value[row], r = rstd.value[row]
                                    for i in 0..<width { xhat[i] = (xr[i] - m) * r; gh[i] = gr[i] * wp.value[i] }
                                    let a = Float(Accumulation.sum(gh, width) / Double(width))
                                    let d = Float(Accumulation.centredDot(gh, xhat, width, around: 0) / Double(width))
                                    for i in 0..<width { o[i] = r * (gh[i] - a - xhat[i] * d) }
                                    if let p = pd.value {
                                        let q = p + block * width
                                        for i in 0..<width { q[i] += Double(gr[i] * xhat[i]) }
                                    }
                                    if let p = ps.value {
                                        let q = p + block * width
                                        for i in 0..<width { q[i] += Double(gr[i]) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            func combine(_ partial: [Double], like parameter: Tensor) -> Tensor {
                Tensor.summedBlocks(partial, blocks: blocks, width: width, shape: parameter.shape)
            }
            var grads: [Tensor?] = [x.isTracked ? gx : nil]
            if let weight { grads.append(wantWeight ? combine(partialDot, like: weight) : nil) }
            if let bias { grads.append(wantBias ? combine(partialSum, like: bias) : nil) }
            return grads
        }
    }

    /// The channel-wise LayerNorm of the IR-SDE U-Net (`LayerNorm` in DA-CLIP's `module_util.py`): at each
    /// position of `[N, C, …]` it normalises over the C channels with the biased variance,
    /// `(x − mean) / √(var + eps) · gain` (+ `bias` when given), `gain` having C elements (shape `[1, C, 1, 1]`
    /// there). The reference uses eps = 1e-5 for float32.
    public func channelLayerNorm(gain: Tensor, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2, "channelLayerNorm: input \(shape) needs axes [N, C, …]")
        let batch = shape[0], channels = shape[1], positions = count / Swift.max(batch * channels, 1)
        for p in [gain] + [bias].compactMap({ $0 }) {
            precondition(p.count == channels, "channelLayerNorm: parameter \(p.shape) for \(channels) channels")
        }
        let x = self
        let columns = ChannelNormKernel.columns
        let blocksPerSample = (positions + columns - 1) / columns, units = batch * blocksPerSample
        let perChunk = Swift.max(1, Elementwise.grain / Swift.max(channels * columns, 1))
        // Saved for backward: the mean and 1/σ of every (sample, position).
        let statistics = Tensor.filled([2, batch * positions]) { _ in }
        let mean = UncheckedSendableBox(statistics.storage.pointer)
        let rstd = UncheckedSendableBox(statistics.storage.pointer + batch * positions)
        let result = Tensor.filled(shape) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            let w = UncheckedSendableBox(gain.storage.pointer), b = UncheckedSendableBox(bias?.storage.pointer)
            EngineParallel.chunks(units, minimumPerChunk: perChunk) { range in
                for unit in range {
                    let n = unit / blocksPerSample, p0 = (unit % blocksPerSample) * columns
                    let width = Swift.min(columns, positions - p0)
                    let m = mean.value + n * positions + p0, r = rstd.value + n * positions + p0
                    let base = n * channels * positions + p0
                    for j in 0..<width { m[j] = 0; r[j] = 0 }
                    for c in 0..<channels {
                        let xr = src.value + base + c * positions
                        for j in 0..<width { m[j] += xr[j] }
                    }
                    let inverse = 1 / Float(channels)
                    for j in 0..<width { m[j] *= inverse }
                    for c in 0..<channels {
                        let xr = src.value + base + c * positions
                        for j in 0..<width { let d = xr[j] - m[j]; r[j] += d * d }
                    }
                    for j in 0..<width { r[j] = 1 / (r[j] * inverse + eps).squareRoot() }
                    for c in 0..<channels {
                        let xr = src.value + base + c * positions, yr = dst.value + base + c * positions
                        let gc = w.value[c], bc = b.value?[c] ?? 0
                        for j in 0..<width { yr[j] = (xr[j] - m[j]) * r[j] * gc + bc }
                    }
                }
            }
        }
        let inputs = [x, gain] + [bias].compactMap { $0 }
        return Tensor.record("channel_layer_norm", inputs: inputs, result: result) { g in
            let wantGain = gain.isTracked, wantBias = bias?.isTracked ?? false
            let blocks = Accumulation.blockCount(units, minimumPerBlock: perChunk)
            var partialDot = [Double](repeating: 0, count: Swift.max(blocks * channels, 1)), partialSum = partialDot
            let gx = Tensor.filled(x.shape) { out in
                let src = UncheckedSendableBox(x.storage.pointer), up = UncheckedSendableBox(g.storage.pointer)
                let dst = UncheckedSendableBox(out.baseAddress!), w = UncheckedSendableBox(gain.storage.pointer)
                withExtendedLifetime(statistics) {}
                partialDot.withUnsafeMutableBufferPointer { dotBuffer in
                    partialSum.withUnsafeMutableBufferPointer { sumBuffer in
                        let pd = UncheckedSendableBox(dotBuffer.baseAddress!), ps = UncheckedSendableBox(sumBuffer.baseAddress!)
                        Accumulation.parallelBlocks(units, minimumPerBlock: perChunk) { block, range in
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * columns) { scratch in
                                let a = scratch.baseAddress!, d = a + columns
                                for unit in range {
                                    let n = unit / blocksPerSample, p0 = (unit % blocksPerSample) * columns
                                    let width = Swift.min(columns, positions - p0)
                                    let m = mean.value + n * positions + p0, r = rstd.value + n * positions + p0
                                    let base = n * channels * positions + p0
                                    for j in 0..<width { a[j] = 0; d[j] = 0 }
                                    for c in 0..<channels {
                                        let xr = src.value + base + c * positions, gr = up.value + base + c * positions
                                        let (sumG, sumGX) = ChannelNormKernel.accumulate(
                                            x: xr, g: gr, mean: m, rstd: r, gain: w.value[c], a: a, d: d, width: width)
                                        pd.value[block * channels + c] += sumGX
                                        ps.value[block * channels + c] += sumG
                                    }
                                    let inverse = 1 / Float(channels)
                                    for j in 0..<width { a[j] *= inverse; d[j] *= inverse }
                                    for c in 0..<channels {
                                        let xr = src.value + base + c * positions, gr = up.value + base + c * positions
                                        let o = dst.value + base + c * positions, gc = w.value[c]
                                        for j in 0..<width {
                                            let xh = (xr[j] - m[j]) * r[j]
                                            o[j] = r[j] * (gr[j] * gc - a[j] - xh * d[j])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            func combine(_ partial: [Double], like parameter: Tensor) -> Tensor {
                Tensor.summedBlocks(partial, blocks: blocks, width: channels, shape: parameter.shape)
            }
            var grads: [Tensor?] = [x.isTracked ? gx : nil, wantGain ? combine(partialDot, like: gain) : nil]
            if let bias { grads.append(wantBias ? combine(partialSum, like: bias) : nil) }
            return grads
        }
    }
}

enum ChannelNormKernel {
    /// Positions normalised together (the loops over channels run along these contiguous runs).
    static let columns = 256

    /// For one channel row of a block: a[j] += g·w, d[j] += g·w·x̂ (the per-position sums over channels) and
    /// returns Σⱼ g and Σⱼ g·x̂ (this block's share of the bias and gain gradients).
    @inline(__always)
    static func accumulate(
        x: UnsafePointer<Float>, g: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
        gain: Float, a: UnsafeMutablePointer<Float>, d: UnsafeMutablePointer<Float>, width: Int
    ) -> (Double, Double) {
        var sumG = SIMD8<Float>(), sumGX = SIMD8<Float>()
        let wv = SIMD8<Float>(repeating: gain)
        var j = 0
        while j + 8 <= width {
            let xh = (Accumulation.load(x + j) - Accumulation.load(mean + j)) * Accumulation.load(rstd + j)
            let gj = Accumulation.load(g + j), gh = gj * wv
            let ra = UnsafeMutableRawPointer(a + j), rd = UnsafeMutableRawPointer(d + j)
            ra.storeBytes(of: ra.loadUnaligned(as: SIMD8<Float>.self) + gh, as: SIMD8<Float>.self)
            rd.storeBytes(of: rd.loadUnaligned(as: SIMD8<Float>.self) + gh * xh, as: SIMD8<Float>.self)
            sumG += gj
            sumGX += gj * xh
            j += 8
        }
        var sg = sumG.sum(), sgx = sumGX.sum()
        while j < width {
            let xh = (x[j] - mean[j]) * rstd[j], gj = g[j]
            a[j] += gj * gain
            d[j] += gj * gain * xh
            sg += gj
            sgx += gj * xh
            j += 1
        }
        return (Double(sg), Double(sgx))
    }
}

extension Tensor {
    /// Sums `blocks` rows of `width` partial sums (per sample, or per thread's block of rows) into one parameter
    /// gradient of `shape`, in double precision.
    fileprivate static func summedBlocks(_ partial: [Double], blocks: Int, width: Int, shape: [Int]) -> Tensor {
        var totals = [Float](repeating: 0, count: width)
        for i in 0..<width {
            var s = 0.0
            for block in 0..<blocks { s += partial[block * width + i] }
            totals[i] = Float(s)
        }
        return Tensor(shape: shape, values: totals)
    }
}
