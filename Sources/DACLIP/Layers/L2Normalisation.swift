import WildTensor

extension Tensor {
    /// Each row divided by its Euclidean norm over the last axis, PyTorch `F.normalize(x, dim=-1)` (the norm is
    /// clamped below at 1e-12).
    func l2Normalised() -> Tensor {
        self / squared().sum(axes: [-1], keepDims: true).sqrt().clamped(1e-12, .greatestFiniteMagnitude)
    }
}
