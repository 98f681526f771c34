import Parallelism

// Sums, means and variances over axes.

extension Tensor {
    /// Sum over one axis seen as `(outer, n, inner)`; returns `(outer, inner)` values.
    fileprivate func sumKernel(axis: Int) -> Tensor {
        let n = shape[axis]
        let outer = Array(shape[..<axis]).elementCount, inner = Array(shape[(axis + 1)...]).elementCount
        var outShape = shape
        outShape[axis] = 1
        return Tensor.filled(outShape) { out in
            let src = UncheckedSendableBox(storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            if inner == 1 {
                EngineParallel.chunks(outer, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(n, 1))) { range in
                    for o in range {
                        let row = src.value + o * n
                        // Pairs of partial sums keep rounding error small on long rows.
                        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                        var j = 0
                        while j + 4 <= n { s0 += row[j]; s1 += row[j + 1]; s2 += row[j + 2]; s3 += row[j + 3]; j += 4 }
                        while j < n { s0 += row[j]; j += 1 }
                        dst.value[o] = (s0 + s1) + (s2 + s3)
                    }
                }
            } else {
                EngineParallel.chunks(outer * inner, minimumPerChunk: Elementwise.grain / Swift.max(n, 1) + 1) { range in
                    // Each chunk covers whole or partial `inner` rows of a given `outer` index.
                    var flat = range.lowerBound
                    while flat < range.upperBound {
                        let o = flat / inner, start = flat % inner
                        let end = Swift.min(inner, start + (range.upperBound - flat))
                        let d = dst.value + o * inner
                        for i in start..<end { d[i] = 0 }
                        for k in 0..<n {
                            let s = src.value + (o * n + k) * inner
                            for i in start..<end { d[i] += s[i] }
                        }
                        flat += end - start
                    }
                }
            }
        }
    }

    /// Sum over `axes` (negative axes count from the end); `keepDims` keeps them as size 1.
    public func sum(axes: [Int], keepDims: Bool = false) -> Tensor {
        let normalised = Set(axes.map { ShapeRules.axis($0, rank: rank, "sum") }).sorted()
        // Summing over size-1 axes changes nothing: the result then shares the input's storage, as `reshaped` does.
        var result = self.detached()
        for axis in normalised where shape[axis] != 1 { result = result.sumKernel(axis: axis) }
        var keptShape = shape
        for axis in normalised { keptShape[axis] = 1 }
        let finalShape = keepDims ? keptShape : shape.indices.filter { !normalised.contains($0) }.map { shape[$0] }
        let output = Tensor(shape: finalShape, storage: result.storage)
        let inputShape = shape
        return Tensor.record("sum", inputs: [self], result: output) { g in
            [g.reshaped(keptShape).broadcast(to: inputShape)]
        }
    }

    /// Sum of all elements as a scalar tensor.
    public func sum() -> Tensor { sum(axes: Array(0..<rank)) }

    /// Mean over `axes`.
    public func mean(axes: [Int], keepDims: Bool = false) -> Tensor {
        let n = Set(axes.map { ShapeRules.axis($0, rank: rank, "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }

    /// Mean of all elements as a scalar tensor.
    public func mean() -> Tensor { mean(axes: Array(0..<rank)) }

    /// Variance over `axes` (`unbiased` divides by n − 1, PyTorch's default for `var`).
    public func variance(axes: [Int], unbiased: Bool = true, keepDims: Bool = false) -> Tensor {
        let n = Set(axes.map { ShapeRules.axis($0, rank: rank, "variance") }).reduce(1) { $0 * shape[$1] }
        let centred = self - mean(axes: axes, keepDims: true)
        return centred.squared().sum(axes: axes, keepDims: keepDims) * (1 / Float(unbiased ? Swift.max(n - 1, 1) : n))
    }

    /// Repeats size-1 axes (and prepends axes) to reach `target` (the forward of broadcasting, materialised).
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        guard ShapeRules.broadcast(shape, target) == target else {
            preconditionFailure("broadcast: \(shape) cannot broadcast to \(target)")
        }
        let zeros = Tensor(shape: [1], values: [0])
        let result = Elementwise.broadcast(self.detached(), zeros, to: target, PointwiseFunctions.First())
        let own = shape
        return Tensor.record("broadcast", inputs: [self], result: result) { g in [g.summed(toShape: own)] }
    }
}
