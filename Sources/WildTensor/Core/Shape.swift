/// Shape arithmetic shared by the operations.
extension Array where Element == Int {
    /// Product of the dimensions (1 for a scalar).
    @inlinable var elementCount: Int { reduce(1, *) }

    /// C-order strides in elements.
    var contiguousStrides: [Int] {
        var strides = [Int](repeating: 1, count: count)
        var running = 1
        for axis in indices.reversed() {
            strides[axis] = running
            running *= self[axis]
        }
        return strides
    }
}

/// Helpers for axes and broadcasting (NumPy/PyTorch rules).
enum ShapeRules {
    /// The broadcast shape of two shapes, or nil when they are incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
        }
        return out
    }

    /// Strides for reading a tensor of `shape` as if it had `target` shape (0 along broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let offset = target.count - shape.count
        let own = shape.contiguousStrides
        return (0..<target.count).map { i in
            i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
        }
    }

    /// Normalises a possibly negative axis for a tensor of `rank`.
    static func axis(_ axis: Int, rank: Int, _ op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "\(op): axis \(axis) out of range for rank \(rank)")
        return a
    }
}
