import Parallelism

/// Parallel elementwise loops over contiguous buffers, generic over the function type (a struct conforming to
/// `UnaryPointwise`/`BinaryPointwise`), so each use is specialised, the function inlined and the loop vectorised;
/// the work is split over the cores once it is large enough to pay for the dispatch.
enum Elementwise {
    /// Elements per chunk below which a loop stays on one thread.
    static let grain = 1 << 15

    /// Runs `body` over `0..<count` in chunks on all cores.
    @inline(__always)
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        EngineParallel.chunks(count, minimumPerChunk: grain, body)
    }

    /// `out[i] = f(a[i])`.
    @inline(__always)
    static func map<F: UnaryPointwise>(_ a: Tensor, _ f: F) -> Tensor { Pointwise.map(a, f) }

    /// `out[i] = f(a[i], b[i])` for equal shapes.
    @inline(__always)
    static func zip<F: BinaryPointwise>(_ a: Tensor, _ b: Tensor, _ f: F) -> Tensor { Pointwise.zip(a, b, f) }

    /// Broadcasting binary loop: `out[idx] = f(a[idx ⋅ sa], b[idx ⋅ sb])` over the broadcast `shape`.
    ///
    /// Adjacent axes that are contiguous for both operands are merged first so the inner loop is as long as
    /// possible (for `(N, C, H, W) + (1, C, 1, 1)` it runs over `H·W` with a constant right operand).
    static func broadcast<F: BinaryPointwise>(_ a: Tensor, _ b: Tensor, to shape: [Int], _ f: F) -> Tensor {
        var dims = shape
        var sa = ShapeRules.broadcastStrides(a.shape, to: shape)
        var sb = ShapeRules.broadcastStrides(b.shape, to: shape)
        // Merge axis i into i+1 where both strides continue contiguously.
        var i = dims.count - 2
        while i >= 0 {
            let n = dims[i + 1]
            if sa[i] == sa[i + 1] * n && sb[i] == sb[i + 1] * n {
                dims[i + 1] *= dims[i]
                dims.remove(at: i); sa.remove(at: i); sb.remove(at: i)
            }
            i -= 1
        }
        if dims.isEmpty { dims = [1]; sa = [1]; sb = [1] }
        let inner = dims[dims.count - 1], ia = sa[sa.count - 1], ib = sb[sb.count - 1]
        let outerDims = Array(dims.dropLast()), outerA = Array(sa.dropLast()), outerB = Array(sb.dropLast())
        let rows = outerDims.elementCount
        return Tensor.filled(shape) { out in
            let pa = UncheckedSendableBox(a.storage.pointer), pb = UncheckedSendableBox(b.storage.pointer)
            let dst = UncheckedSendableBox(out.baseAddress!)
            EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, grain / Swift.max(inner, 1))) { range in
                for row in range {
                    var rest = row, offA = 0, offB = 0
                    for axis in stride(from: outerDims.count - 1, through: 0, by: -1) {
                        let index = rest % outerDims[axis]
                        rest /= outerDims[axis]
                        offA += index * outerA[axis]
                        offB += index * outerB[axis]
                    }
                    let x = pa.value + offA, y = pb.value + offB, o = dst.value + row * inner
                    if ia == 1 && ib == 1 {
                        for j in 0..<inner { o[j] = f(x[j], y[j]) }
                    } else if ia == 1 {
                        let yv = y[0]
                        if ib == 0 { for j in 0..<inner { o[j] = f(x[j], yv) } } else { for j in 0..<inner { o[j] = f(x[j], y[j * ib]) } }
                    } else if ib == 1 {
                        let xv = x[0]
                        if ia == 0 { for j in 0..<inner { o[j] = f(xv, y[j]) } } else { for j in 0..<inner { o[j] = f(x[j * ia], y[j]) } }
                    } else {
                        for j in 0..<inner { o[j] = f(x[j * ia], y[j * ib]) }
                    }
                }
            }
        }
    }
}
