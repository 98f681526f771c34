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

/// Multi-head attention without per-head copies: both products read each head where its projection wrote it
/// (strided oneDNN matmuls batched over batch items and heads, on the engine's threads), oneDNN's softmax runs
/// between them in place, and the second product writes each head's columns of the result `[B, N, H·D]`.
///
/// Memory stays bounded: the queries are taken in blocks of rows so that the scores held at once (batch × heads ×
/// block rows × keys) stay within `scoreBudget` floats. Each query row's softmax involves only its own scores, so
/// blocks give exactly the values of one pass (FlashAttention's observation, without its online softmax: a block
/// still sees every key). At Stable Diffusion's 64² latent (4,096 tokens, 8 heads) one pass would hold 512 MiB of
/// scores; blocks of 128 rows hold 16 MiB.
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
        /// Floats from one batch item's first row to the next item's (`count · stride` unless a block of rows).
        let itemStride: Int

        init(tensor: Tensor, offset: Int, stride: Int, count: Int, itemStride: Int? = nil) {
            (self.tensor, self.offset, self.stride, self.count) = (tensor, offset, stride, count)
            self.itemStride = itemStride ?? count * stride
        }

        /// The same rows, starting `columns` floats further (the keys and values of packed projections).
        func shifted(by columns: Int) -> Rows {
            Rows(tensor: tensor, offset: offset + columns, stride: stride, count: count, itemStride: itemStride)
        }

        /// Rows `range` of every batch item.
        func block(_ range: Range<Int>) -> Rows {
            Rows(tensor: tensor, offset: offset + range.lowerBound * stride, stride: stride, count: range.count,
                 itemStride: itemStride)
        }

        /// Head h as a `[B, H, rows, D]` matrix layout; `transposed` gives the `[B, H, D, rows]` view of the same floats.
        func layout(batch: Int, heads: Int, headWidth: Int, transposed: Bool = false) -> MatrixLayout {
            transposed
                ? MatrixLayout(dims: [batch, heads, headWidth, count], strides: [itemStride, headWidth, 1, stride])
                : MatrixLayout(dims: [batch, heads, count, headWidth], strides: [itemStride, headWidth, stride, 1])
        }

        var pointer: UnsafeMutablePointer<Float> { tensor.storage.pointer + offset }
    }

    static func run(batch b: Int, heads: Int, headWidth d: Int, queries: Rows, keys: Rows, values: Rows, mask: Tensor?,
                    scoreBudget: Int = scoreBudget) -> Tensor {
        let (n, m) = (queries.count, keys.count)
        guard b > 0, n > 0, m > 0, d > 0, omp_in_parallel() == 0 else {
            return reference(batch: b, heads: heads, headWidth: d, queries: queries, keys: keys, values: values, mask: mask)
        }
        let blockRows = min(n, max(1, scoreBudget / max(1, b * heads * m)))
        let scores = Tensor.filled([b, heads, blockRows, m]) { _ in }
        let result = Tensor.filled([b, n, heads * d]) { _ in }
        let keyLayout = keys.layout(batch: b, heads: heads, headWidth: d, transposed: true)
        let valueLayout = values.layout(batch: b, heads: heads, headWidth: d)
        withExtendedLifetime((queries.tensor, keys.tensor, values.tensor)) {
            do {
                let context = try DNNL.context()
                for start in stride(from: 0, to: n, by: blockRows) {
                    let rows = min(blockRows, n - start), block = queries.block(start..<start + rows)
                    let scoreLayout = MatrixLayout(dims: [b, heads, rows, m], strides: [heads * rows * m, rows * m, m, 1])
                    let output = MatrixLayout(dims: [b, heads, rows, d], strides: [n * heads * d, d, heads * d, 1])
                    let qk = MatmulGeometry(a: block.layout(batch: b, heads: heads, headWidth: d), b: keyLayout, c: scoreLayout,
                                            hasBias: false, activation: nil, accumulate: false, scale: 1 / Float(d).squareRoot())
                    let pv = MatmulGeometry(a: scoreLayout, b: valueLayout, c: output,
                                            hasBias: false, activation: nil, accumulate: false, scale: 1)
                    try MatmulPrimitive.cached(qk).run(a: block.pointer, b: keys.pointer, bias: nil,
                                                       c: scores.storage.pointer, context: context)
                    addMask(mask, to: scores.storage.pointer, rows: b * heads * rows, blockRows: rows, firstRow: start, length: m)
                    try SoftmaxPrimitive.cached(rows: b * heads * rows, length: m).run(scores.storage.pointer, context: context)
                    try MatmulPrimitive.cached(pv).run(a: scores.storage.pointer, b: values.pointer, bias: nil,
                                                       c: result.storage.pointer + start * heads * d, context: context)
                }
            } catch {
                DNNL.trap(error, "attention")
            }
        }
        return result
    }

    /// Adds to score row r (of a block of `blockRows` query rows per batch item and head, starting at query row
    /// `firstRow`) the mask's row of its query, `firstRow + r mod blockRows`, of `mask` `[L, L]`.
    static func addMask(_ mask: Tensor?, to scores: UnsafeMutablePointer<Float>, rows: Int, blockRows: Int, firstRow: Int,
                        length: Int) {
        guard let mask else { return }
        let s = UncheckedSendableBox(scores), m = UncheckedSendableBox(mask.storage.pointer)
        EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(length, 1))) { range in
            for r in range {
                let row = s.value + r * length, maskRow = m.value + (firstRow + r % blockRows) * length
                for j in 0..<length { row[j] += maskRow[j] }
            }
        }
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
