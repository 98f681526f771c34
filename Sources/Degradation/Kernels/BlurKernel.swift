/// A square, odd-sized 2-D blur kernel, row-major, in double precision.
///
/// Filtering applies it as correlation centred on the middle tap (OpenCV `filter2D` convention).
public struct BlurKernel: Sendable, Equatable {
    /// Side length (odd, ≥ 1).
    public let size: Int
    /// `size × size` weights, row-major (row = y offset, column = x offset).
    public let weights: [Double]

    /// A kernel from explicit weights.
    /// - Throws: ``DegradationError/invalidKernel(_:)`` for an even or non-positive size or a weight count that is
    ///   not `size²`.
    public init(size: Int, weights: [Double]) throws {
        guard size > 0, size % 2 == 1 else { throw DegradationError.invalidKernel("kernel size must be odd and positive, got \(size)") }
        guard weights.count == size * size else {
            throw DegradationError.invalidKernel("a \(size)×\(size) kernel needs \(size * size) weights, got \(weights.count)")
        }
        self.size = size
        self.weights = weights
    }

    init(uncheckedSize size: Int, weights: [Double]) {
        self.size = size
        self.weights = weights
    }

    /// The weight at row `y`, column `x` (0-based from the top-left).
    public subscript(y: Int, x: Int) -> Double { weights[y * size + x] }

    /// The same kernel scaled to sum 1 (unchanged if the sum is 0).
    public var normalised: BlurKernel {
        let total = weights.reduce(0, +)
        guard total != 0 else { return self }
        return BlurKernel(uncheckedSize: size, weights: weights.map { $0 / total })
    }

    /// The kernel zero-padded to `size` (odd, ≥ the current size), centred (BasicSR `pad_to`).
    public func padded(to newSize: Int) throws -> BlurKernel {
        guard newSize >= size, newSize % 2 == 1 else {
            throw DegradationError.invalidKernel("cannot pad a \(size)×\(size) kernel to \(newSize)")
        }
        let offset = (newSize - size) / 2
        var out = [Double](repeating: 0, count: newSize * newSize)
        for y in 0..<size { for x in 0..<size { out[(y + offset) * newSize + x + offset] = self[y, x] } }
        return BlurKernel(uncheckedSize: newSize, weights: out)
    }

    /// Column and row factors `(u, v)` with `weights[y][x] = u[y]·v[x]` when the kernel has rank one
    /// (isotropic or axis-aligned Gaussians, box), else `nil`; used for the separable filtering fast path.
    public var separableFactors: (column: [Double], row: [Double])? {
        guard let pivot = weights.indices.max(by: { abs(weights[$0]) < abs(weights[$1]) }), weights[pivot] != 0 else {
            return nil
        }
        let (py, px) = (pivot / size, pivot % size)
        let column = (0..<size).map { self[$0, px] }
        let row = (0..<size).map { self[py, $0] / weights[pivot] }
        let scale = abs(weights[pivot])
        for y in 0..<size {
            for x in 0..<size where abs(self[y, x] - column[y] * row[x]) > 1e-12 * scale { return nil }
        }
        return (column, row)
    }
}

/// Errors of the `Degradation` module.
public enum DegradationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Kernel parameters or weights that cannot form a kernel.
    case invalidKernel(String)
    /// A parameter outside its valid range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case let .invalidKernel(message): return "invalid blur kernel: \(message)"
        case let .invalidParameter(message): return "invalid degradation parameter: \(message)"
        }
    }
}
