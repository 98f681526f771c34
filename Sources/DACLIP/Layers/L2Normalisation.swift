import WildTensor

extension Tensor {
    /// Each row divided by its Euclidean norm over the last axis, PyTorch `F.normalize(x, dim=-1)` (the norm is
    /// clamped below at 1e-12).
    func l2Normalised() -> Tensor {
        self / squared().sum(axes: [-1], keepDims: true).sqrt().clamped(1e-12, .greatestFiniteMagnitude)
    }

    /// The rows of a `[B, D]` tensor in Double, each divided by its Euclidean norm (`x / x.norm(dim=-1)`; a zero row
    /// stays zero): how the zero-shot analysis and the CLIP scores compare embeddings.
    public func l2NormalisedRows() -> [[Double]] {
        let width = shape.last ?? 0
        let values = values.map(Double.init)
        return stride(from: 0, to: values.count, by: max(width, 1)).map { start in
            let row = Array(values[start..<(start + width)])
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? row.map { $0 / norm } : row
        }
    }
}
