import Parallelism

/// Vectorised sums over contiguous Float runs and a block-parallel loop for reductions that need one partial
/// result per thread (gradients of per-channel parameters, loss totals).
///
/// Swift does not reassociate floating-point additions, so a plain `s += p[i]` loop stays scalar; these sums use
/// eight-lane SIMD accumulators explicitly. Runs of up to `block` elements are summed in Float and the block
/// totals in Double, which keeps the error of long sums (a 64×64×32 group) near Float rounding of the result.
enum Accumulation {
    /// Elements summed in Float before the partial total is carried over into Double.
    static let block = 1024

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Σ `f(i)` over `0..<n` in blocks, where `lanes(i)` returns eight consecutive terms starting at `i` and
    /// `scalar(i)` one term.
    @inline(__always)
    static func blockedSum(_ n: Int, lanes: (Int) -> SIMD8<Float>, scalar: (Int) -> Float) -> Double {
        var total = 0.0, i = 0
        while i < n {
            let end = Swift.min(n, i + block)
            var acc = SIMD8<Float>()
            while i + 8 <= end { acc += lanes(i); i += 8 }
            var s = acc.sum()
            while i < end { s += scalar(i); i += 1 }
            total += Double(s)
        }
        return total
    }

    /// Σ p[i].
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        blockedSum(n, lanes: { load(p + $0) }, scalar: { p[$0] })
    }

    /// Σ (p[i] − c)².
    @inline(__always)
    static func centredSquares(_ p: UnsafePointer<Float>, _ n: Int, around c: Float) -> Double {
        let cv = SIMD8<Float>(repeating: c)
        return blockedSum(n, lanes: { let d = load(p + $0) - cv; return d * d }, scalar: { let d = p[$0] - c; return d * d })
    }

    /// Σ a[i]·(b[i] − c).
    @inline(__always)
    static func centredDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int, around c: Float) -> Double {
        let cv = SIMD8<Float>(repeating: c)
        return blockedSum(n, lanes: { load(a + $0) * (load(b + $0) - cv) }, scalar: { a[$0] * (b[$0] - c) })
    }

    /// The largest of p[0..<n] (−∞ for n = 0; NaN elements are skipped).
    @inline(__always)
    static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: -.infinity), i = 0
        while i + 8 <= n { lanes = pointwiseMax(lanes, load(p + i)); i += 8 }
        var m = lanes.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    /// Mean and biased variance of `n` contiguous values (two passes: the mean, then squares around it).
    @inline(__always)
    static func meanAndVariance(_ p: UnsafePointer<Float>, _ n: Int) -> (mean: Float, variance: Float) {
        let mean = Float(sum(p, n) / Double(n))
        return (mean, Float(centredSquares(p, n, around: mean) / Double(n)))
    }

    /// Splits `0..<count` into at most one block per thread (each of at least `minimumPerBlock` items) and runs
    /// `body(blockIndex, range)` on them concurrently. Returns the number of blocks, so a caller can give every
    /// block its own partial result and combine them afterwards.
    @discardableResult
    static func parallelBlocks(_ count: Int, minimumPerBlock: Int, _ body: (Int, Range<Int>) -> Void) -> Int {
        guard count > 0 else { return 0 }
        let blocks = Swift.max(1, Swift.min(ParallelConfiguration.threadCount, count / Swift.max(1, minimumPerBlock)))
        EngineParallel.chunks(blocks, minimumPerChunk: 1) { range in
            for b in range { body(b, count * b / blocks ..< count * (b + 1) / blocks) }
        }
        return blocks
    }

    /// The number of blocks `parallelBlocks` will use for the same arguments (to size partial buffers first).
    static func blockCount(_ count: Int, minimumPerBlock: Int) -> Int {
        count > 0 ? Swift.max(1, Swift.min(ParallelConfiguration.threadCount, count / Swift.max(1, minimumPerBlock))) : 0
    }
}
