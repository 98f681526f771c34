import Parallelism

// Reshaping, permuting, concatenating, slicing and padding (copies into contiguous storage; `reshaped` shares).

extension Tensor {
    /// The same elements with another shape (one dimension may be -1 and is inferred); shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != inferred }.map(\.element).elementCount
            precondition(known > 0 && count % known == 0, "reshape: cannot infer \(newShape) from \(shape)")
            target[inferred] = count / known
        }
        precondition(target.elementCount == count, "reshape: \(shape) (\(count) elements) into \(newShape)")
        if target == shape { return self }
        let own = shape
        return Tensor.record("reshape", inputs: [self], result: Tensor(shape: target, storage: storage)) { g in
            [g.reshaped(own)]
        }
    }

    /// Collapses axes `start...end` into one.
    public func flattened(from start: Int = 0, to end: Int = -1) -> Tensor {
        let s = ShapeRules.axis(start, rank: rank, "flatten"), e = ShapeRules.axis(end, rank: rank, "flatten")
        return reshaped(Array(shape[..<s]) + [Array(shape[s...e]).elementCount] + Array(shape[(e + 1)...]))
    }

    /// Reorders the axes: output axis i is input axis `order[i]` (PyTorch `permute`).
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of \(rank) axes")
        if order == Array(0..<rank) { return self }
        let outShape = order.map { shape[$0] }
        let inStrides = shape.contiguousStrides
        let readStrides = order.map { inStrides[$0] }
        let result = Tensor.filled(outShape) { out in
            Tensor.stridedCopy(from: storage.pointer, shape: outShape, strides: readStrides, to: out.baseAddress!)
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in order.enumerated() { inverse[axis] = i }
        return Tensor.record("permute", inputs: [self], result: result) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes.
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(ShapeRules.axis(a, rank: rank, "transpose"), ShapeRules.axis(b, rank: rank, "transpose"))
        return permuted(order)
    }

    /// Copies a strided view into contiguous memory (the inner axis runs as a plain loop).
    static func stridedCopy(from source: UnsafePointer<Float>, shape: [Int], strides: [Int], to destination: UnsafeMutablePointer<Float>) {
        guard let inner = shape.last else { destination[0] = source[0]; return }
        let innerStride = strides[strides.count - 1]
        let outerShape = Array(shape.dropLast()), outerStrides = Array(strides.dropLast())
        let rows = outerShape.elementCount
        let src = UncheckedSendableBox(source), dst = UncheckedSendableBox(destination)
        EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(inner, 1))) { range in
            for row in range {
                var rest = row, offset = 0
                for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                    offset += (rest % outerShape[axis]) * outerStrides[axis]
                    rest /= outerShape[axis]
                }
                let s = src.value + offset, d = dst.value + row * inner
                if innerStride == 1 { d.update(from: s, count: inner) } else { for j in 0..<inner { d[j] = s[j * innerStride] } }
            }
        }
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0]
        let a = ShapeRules.axis(axis, rank: first.rank, "concatenate")
        for t in tensors {
            precondition(t.rank == first.rank && t.shape.indices.allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
                         "concatenate: \(t.shape) does not match \(first.shape) outside axis \(a)")
        }
        var outShape = first.shape
        outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let outer = Array(first.shape[..<a]).elementCount, inner = Array(first.shape[(a + 1)...]).elementCount
        let result = Tensor.filled(outShape) { out in
            let rowLength = outShape[a] * inner
            var offset = 0
            for t in tensors {
                let piece = t.shape[a] * inner
                for o in 0..<outer {
                    (out.baseAddress! + o * rowLength + offset).update(from: t.storage.pointer + o * piece, count: piece)
                }
                offset += piece
            }
        }
        let sizes = tensors.map { $0.shape[a] }
        return record("concatenate", inputs: tensors, result: result) { g in
            var start = 0
            return sizes.map { size in
                defer { start += size }
                return g.sliced(axis: a, start..<(start + size))
            }
        }
    }

    /// The elements with index `range` along `axis`.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = ShapeRules.axis(axis, rank: rank, "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a], "slice: \(range) outside 0..<\(shape[a]) on axis \(a)")
        var outShape = shape
        outShape[a] = range.count
        let outer = Array(shape[..<a]).elementCount, inner = Array(shape[(a + 1)...]).elementCount
        let result = Tensor.filled(outShape) { out in
            for o in 0..<outer {
                (out.baseAddress! + o * range.count * inner)
                    .update(from: storage.pointer + (o * shape[a] + range.lowerBound) * inner, count: range.count * inner)
            }
        }
        let own = shape
        return Tensor.record("slice", inputs: [self], result: result) { g in
            [g.padded(axis: a, before: range.lowerBound, after: own[a] - range.upperBound)]
        }
    }

    /// Splits into `chunks` pieces along `axis` (PyTorch `chunk`: the last piece may be smaller).
    public func chunked(_ chunks: Int, axis: Int) -> [Tensor] {
        let a = ShapeRules.axis(axis, rank: rank, "chunk")
        let size = (shape[a] + chunks - 1) / chunks
        return stride(from: 0, to: shape[a], by: Swift.max(size, 1)).map { sliced(axis: a, $0..<Swift.min($0 + size, shape[a])) }
    }

    /// Zero padding along one axis.
    func padded(axis a: Int, before: Int, after: Int) -> Tensor {
        if before == 0 && after == 0 { return self }
        var outShape = shape
        outShape[a] += before + after
        let outer = Array(shape[..<a]).elementCount, inner = Array(shape[(a + 1)...]).elementCount
        let result = Tensor.filled(outShape) { out in
            out.initialize(repeating: 0)
            for o in 0..<outer {
                (out.baseAddress! + (o * outShape[a] + before) * inner)
                    .update(from: storage.pointer + o * shape[a] * inner, count: shape[a] * inner)
            }
        }
        let n = shape[a]
        return Tensor.record("pad", inputs: [self], result: result) { g in [g.sliced(axis: a, before..<(before + n))] }
    }
}
