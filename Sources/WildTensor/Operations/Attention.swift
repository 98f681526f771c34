import AVX2Kernels
import CBLAS
import CGOMP
import Parallelism

extension Tensor {
    /// Multi-head scaled dot-product self-attention over packed projections (Vaswani et al. 2017, eq. 1 and
    /// §3.2.2), for inference: `self` is `[B, L, 3·W]`, each row holding the token's query, key and value (`W` wide
    /// each, head h in columns `h·D ..< (h+1)·D`, `D = W / heads`), as PyTorch's packed `in_proj` produces them.
    /// Returns `[B, L, W]`: per head `softmax(q·kᵀ/√D + mask)·v`, the heads side by side. `mask` `[L, L]` is
    /// additive (−∞ where attention is forbidden). See ``AttentionKernel`` for how it runs (and `scoreBudget`); it
    /// records nothing.
    package func packedSelfAttention(heads: Int, mask: Tensor?, scoreBudget: Int = AttentionKernel.scoreBudget) -> Tensor {
        precondition(!GradMode.isEnabled || !isTracked,
                     "packedSelfAttention: inference only; call it inside withNoGrad or on untracked tensors")
        precondition(rank == 3 && heads > 0 && shape[2] % (3 * heads) == 0,
                     "packedSelfAttention: input \(shape) is not [B, L, 3·W] with W divisible by \(heads) heads")
        let (b, l, w) = (shape[0], shape[1], shape[2] / 3)
        if let mask { precondition(mask.shape == [l, l], "packedSelfAttention: mask \(mask.shape) for \(l) tokens") }
        let rows = AttentionKernel.Rows(tensor: self, offset: 0, stride: 3 * w, count: l)
        return AttentionKernel.run(batch: b, heads: heads, headWidth: w / heads, queries: rows,
                                   keys: rows.shifted(by: w), values: rows.shifted(by: 2 * w), mask: mask, scoreBudget: scoreBudget)
    }

    /// Multi-head scaled dot-product attention of projected queries `self` `[B, N, H·D]` over projected keys and
    /// values `[B, M, H·D]` (latent diffusion's `CrossAttention` after its three projections), for inference:
    /// `[B, N, H·D]`, per head `softmax(q·kᵀ/√D)·v`. See ``AttentionKernel`` (and `scoreBudget`); it records nothing.
    package func attention(keys: Tensor, values: Tensor, heads: Int, scoreBudget: Int = AttentionKernel.scoreBudget) -> Tensor {
        precondition(!GradMode.isEnabled || !(isTracked || keys.isTracked || values.isTracked),
                     "attention: inference only; call it inside withNoGrad or on untracked tensors")
        precondition(rank == 3 && keys.rank == 3 && keys.shape == values.shape && heads > 0
                     && shape[0] == keys.shape[0] && shape[2] == keys.shape[2] && shape[2] % heads == 0,
                     "attention: queries \(shape), keys \(keys.shape) and values \(values.shape) do not fit \(heads) heads")
        let width = shape[2]
        return AttentionKernel.run(
            batch: shape[0], heads: heads, headWidth: width / heads,
            queries: AttentionKernel.Rows(tensor: self, offset: 0, stride: width, count: shape[1]),
            keys: AttentionKernel.Rows(tensor: keys, offset: 0, stride: width, count: keys.shape[1]),
            values: AttentionKernel.Rows(tensor: values, offset: 0, stride: width, count: values.shape[1]), mask: nil,
            scoreBudget: scoreBudget)
    }
}

/// Multi-head attention reading each head where its projection wrote it and writing each head's columns of the
/// result `[B, N, H·D]`.
///
/// Unmasked attention on AVX2 + FMA CPUs takes the fused kernel
/// (``fused(batch:heads:headWidth:queries:keys:values:)``). Otherwise (a mask, another CPU, `WILDIR_ATTENTION=blas`)
/// the work is split into (batch item, head, block of query rows) items, taken by the engine's threads; each item
/// is one OpenBLAS product q·kᵀ into the thread's score block, the softmax of its rows in place (the row sums kept),
/// one product of the scores with v, and the division of the block's result rows by their sums. A score block stays
/// near 1 MiB (cache-sized) and never holds more rows than `scoreBudget` allows for all batch items and heads, so
/// memory stays bounded. Each query row's softmax involves only its own scores, so blocks give exactly the values of
/// one pass (FlashAttention's observation, without its online softmax: a block still sees every key). At Stable
/// Diffusion's 64² latent (4,096 tokens, 8 heads) one pass would hold 512 MiB of scores; two threads hold 2 MiB.
///
/// This blocked path, measured at 4,096 tokens, 8 heads of width 40, batch 2 (SSP-IR's U-Net at a 64² latent): about
/// 445 ms, against about 540 ms for its predecessor (oneDNN's batched strided products with its softmax over all
/// heads at once).
package enum AttentionKernel {
    /// Most score floats held at once by default (4 Mi floats, 16 MiB).
    package static let scoreBudget = 1 << 22

    /// The rows of one operand: `count` rows per batch item, `stride` floats apart, starting `offset` floats into
    /// `tensor` (a batch item's rows follow the previous item's: `count · stride` floats each).
    struct Rows {
        let tensor: Tensor
        let offset: Int
        let stride: Int
        let count: Int
        /// Floats from one batch item's first row to the next item's.
        var itemStride: Int { count * stride }

        /// The same rows, starting `columns` floats further (the keys and values of packed projections).
        func shifted(by columns: Int) -> Rows {
            Rows(tensor: tensor, offset: offset + columns, stride: stride, count: count)
        }

        var pointer: UnsafeMutablePointer<Float> { tensor.storage.pointer + offset }
    }

    static func run(batch b: Int, heads: Int, headWidth d: Int, queries: Rows, keys: Rows, values: Rows, mask: Tensor?,
                    scoreBudget: Int = scoreBudget) -> Tensor {
        let (n, m) = (queries.count, keys.count)
        guard b > 0, n > 0, m > 0, d > 0, omp_in_parallel() == 0 else {
            return reference(batch: b, heads: heads, headWidth: d, queries: queries, keys: keys, values: values, mask: mask)
        }
        if mask == nil && fusedEnabled {
            return fused(batch: b, heads: heads, headWidth: d, queries: queries, keys: keys, values: values)
        }
        return blocked(batch: b, heads: heads, headWidth: d, queries: queries, keys: keys, values: values, mask: mask,
                       scoreBudget: scoreBudget)
    }

    /// Attention by blocks of query rows (see the type's documentation): two OpenBLAS products around the softmax rows.
    static func blocked(batch b: Int, heads: Int, headWidth d: Int, queries: Rows, keys: Rows, values: Rows, mask: Tensor?,
                        scoreBudget: Int) -> Tensor {
        let (n, m) = (queries.count, keys.count)
        _ = BLAS.configured
        let budgetRows = max(1, scoreBudget / max(1, b * heads * m)), cacheRows = max(8, (1 << 18) / m)
        let blockRows = min(n, budgetRows, cacheRows), blocks = (n + blockRows - 1) / blockRows
        let result = Tensor.filled([b, n, heads * d]) { _ in }
        let scale = 1 / Float(d).squareRoot()
        let output = UncheckedSendableBox(result.storage.pointer)
        let maskValues = UncheckedSendableBox(mask?.storage.pointer)
        withExtendedLifetime((queries.tensor, keys.tensor, values.tensor, mask)) {
            EngineParallel.chunks(b * heads * blocks, minimumPerChunk: 1) { items in
                let scoreCount = blockRows * m
                let scores = BufferPool.shared.take(scoreCount), sums = BufferPool.shared.take(blockRows)
                defer { BufferPool.shared.recycle(scores, count: scoreCount); BufferPool.shared.recycle(sums, count: blockRows) }
                for item in items {
                    let (bh, block) = item.quotientAndRemainder(dividingBy: blocks)
                    let (bi, h) = bh.quotientAndRemainder(dividingBy: heads)
                    let first = block * blockRows, rows = min(blockRows, n - first)
                    let q = queries.pointer + bi * queries.itemStride + first * queries.stride + h * d
                    let k = keys.pointer + bi * keys.itemStride + h * d, v = values.pointer + bi * values.itemStride + h * d
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(m), blasint(d), scale,
                                q, blasint(queries.stride), k, blasint(keys.stride), 0, scores, blasint(m))
                    if let maskRows = maskValues.value {  // the mask's rows of these queries, added to their scores
                        for r in 0..<rows {
                            let row = scores + r * m, added = maskRows + (first + r) * m
                            for j in 0..<m { row[j] += added[j] }
                        }
                    }
                    for r in 0..<rows {
                        sums[r] = softmaxNumeratorsAVX2(scores + r * m, count: m) ?? softmaxNumerators(scores + r * m, count: m)
                    }
                    let out = output.value + (bi * n + first) * heads * d + h * d
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(rows), blasint(d), blasint(m), 1,
                                scores, blasint(m), v, blasint(values.stride), 0, out, blasint(heads * d))
                    for r in 0..<rows {
                        let row = out + r * heads * d, inverse = 1 / sums[r]
                        for j in 0..<d { row[j] *= inverse }
                    }
                }
            }
        }
        return result
    }

    /// Whether this CPU runs the AVX2 + FMA loops (`wir_avx2_softmax_numerators`, `wir_avx2_attention_panel`).
    static let hasAVX2 = wir_avx2_available() == 1

    /// Whether unmasked attention takes the fused kernel: on AVX2 + FMA CPUs unless `WILDIR_ATTENTION=blas` asks for
    /// the OpenBLAS path (for measurements).
    static let fusedEnabled = hasAVX2 && getEnvironment("WILDIR_ATTENTION") != "blas"

    /// Queries per call of the fused kernel (its panel: two vectors of eight lanes).
    static let fusedPanel = Int(WIR_ATTENTION_PANEL)

    /// Unmasked attention by the fused AVX2 kernel (`wir_avx2_attention_panel`: scores, online softmax and the
    /// product with the values per chunk of keys, whose scores stay in the level-1 cache), per (batch item, head,
    /// panel of 16 queries) on the engine's threads. Each thread first copies the keys and values of the head it
    /// works on into contiguous rows (`m · d` floats each), which the kernel then streams once per panel; a thread's
    /// items are consecutive, so it copies each head it meets once. No score block is held: per thread, two head
    /// copies and a few KiB of scratch.
    ///
    /// Measured at 4,096 tokens, 8 heads of width 40, batch 2 (SSP-IR's U-Net at a 64² latent), 2 threads: about
    /// 320 ms, against about 445 ms for the OpenBLAS path (`WILDIR_ATTENTION=blas`).
    static func fused(batch b: Int, heads: Int, headWidth d: Int, queries: Rows, keys: Rows, values: Rows) -> Tensor {
        let (n, m) = (queries.count, keys.count)
        let panels = (n + fusedPanel - 1) / fusedPanel
        let result = Tensor.filled([b, n, heads * d]) { _ in }
        let scale = 1 / Float(d).squareRoot()
        let output = UncheckedSendableBox(result.storage.pointer)
        withExtendedLifetime((queries.tensor, keys.tensor, values.tensor)) {
            EngineParallel.chunks(b * heads * panels, minimumPerChunk: 1) { items in
                let headCount = m * d, scratchCount = wir_avx2_attention_scratch(Int32(d))
                let k = BufferPool.shared.take(headCount), v = BufferPool.shared.take(headCount)
                let scratch = BufferPool.shared.take(scratchCount)
                defer {
                    BufferPool.shared.recycle(k, count: headCount)
                    BufferPool.shared.recycle(v, count: headCount)
                    BufferPool.shared.recycle(scratch, count: scratchCount)
                }
                var copiedHead = -1
                for item in items {
                    let (bh, panel) = item.quotientAndRemainder(dividingBy: panels)
                    let (bi, h) = bh.quotientAndRemainder(dividingBy: heads)
                    if bh != copiedHead {
                        let ks = keys.pointer + bi * keys.itemStride + h * d, vs = values.pointer + bi * values.itemStride + h * d
                        for j in 0..<m {
                            (k + j * d).update(from: ks + j * keys.stride, count: d)
                            (v + j * d).update(from: vs + j * values.stride, count: d)
                        }
                        copiedHead = bh
                    }
                    let first = panel * fusedPanel
                    wir_avx2_attention_panel(
                        queries.pointer + bi * queries.itemStride + first * queries.stride + h * d, queries.stride,
                        Int32(min(fusedPanel, n - first)), k, d, v, d, m, Int32(d), scale,
                        output.value + (bi * n + first) * heads * d + h * d, heads * d, scratch)
                }
            }
        }
        return result
    }

    /// `softmaxNumerators` by the AVX2 + FMA loop when this CPU has one, nil otherwise.
    @inline(__always)
    static func softmaxNumeratorsAVX2(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float? {
        hasAVX2 ? wir_avx2_softmax_numerators(row, count) : nil
    }

    /// Replaces each of `count` scores by e^(score − the row's largest score) and returns their sum (the softmax's
    /// numerators and denominator): `FastMath.exp` in a loop of its own, which vectorises, between the lane-wise
    /// maximum and sum of `Accumulation`.
    @inline(__always)
    static func softmaxNumerators(_ row: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let largest = Accumulation.maximum(row, count)
        for j in 0..<count { row[j] = FastMath.exp(row[j] - largest) }
        return Float(Accumulation.sum(row, count))
    }

    /// The same attention composed from the engine's general operations (per-head copies, batched products): the
    /// path for empty inputs and calls from inside a parallel region, and the tests' second opinion.
    static func reference(batch b: Int, heads: Int, headWidth d: Int, queries: Rows, keys: Rows, values: Rows,
                          mask: Tensor?) -> Tensor {
        withNoGrad {
            func split(_ rows: Rows) -> Tensor {
                let gathered = Tensor.filled([b, rows.count, heads * d]) { out in
                    guard let destination = out.baseAddress else { return }
                    for item in 0..<b {
                        for r in 0..<rows.count {
                            (destination + (item * rows.count + r) * heads * d)
                                .update(from: rows.pointer + item * rows.itemStride + r * rows.stride, count: heads * d)
                        }
                    }
                }
                return gathered.reshaped([b, rows.count, heads, d]).permuted([0, 2, 1, 3])
            }
            var scores = (split(queries) * (1 / Float(d).squareRoot())).matmul(split(keys).transposed())
            if let mask { scores = scores + mask }
            return scores.softmax(axis: -1).matmul(split(values)).permuted([0, 2, 1, 3]).reshaped([b, queries.count, heads * d])
        }
    }
}
