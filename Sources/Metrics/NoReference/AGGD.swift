import Foundation

/// The asymmetric generalized Gaussian fit of NIQE/BRISQUE by moment matching (Lasmar, Stitou & Berthoumieu 2009),
/// as BasicSR's `estimate_aggd_param`: the shape α is the grid value (0.2, 0.201, …, 10) whose
/// ρ(α) = Γ(2/α)²/(Γ(1/α)Γ(3/α)) is nearest to the estimate R̂; the left and right scales follow from α.
enum AGGD {
    /// The shape grid and ρ over it, computed once.
    static let grid: (shapes: [Double], rho: [Double]) = {
        let shapes = (0..<9801).map { 0.2 + Double($0) * 0.001 }
        let rho = shapes.map { g -> Double in
            let r = 1 / g
            return tgamma(2 * r) * tgamma(2 * r) / (tgamma(r) * tgamma(3 * r))
        }
        return (shapes, rho)
    }()

    /// (α, β_left, β_right) of `values`; NaN when the values have no negative or no positive part (as the reference).
    ///
    /// The moments are computed as the reference computes them on its float32 blocks — NumPy's pairwise float32
    /// sums, float32 quotients — because the fitted shape is a grid point chosen by a nearest distance, and a
    /// last-bit difference in R̂ can move it one step.
    static func fit(_ values: UnsafeBufferPointer<Float>) -> (alpha: Double, left: Double, right: Double) {
        var negatives: [Float] = [], positives: [Float] = [], absolute: [Float] = [], squares: [Float] = []
        negatives.reserveCapacity(values.count)
        positives.reserveCapacity(values.count)
        absolute.reserveCapacity(values.count)
        squares.reserveCapacity(values.count)
        for v in values {
            let square = v * v
            if v < 0 { negatives.append(square) } else if v > 0 { positives.append(square) }
            absolute.append(abs(v))
            squares.append(square)
        }
        let leftStd = (PairwiseSum.float32(negatives) / Float(negatives.count)).squareRoot()
        let rightStd = (PairwiseSum.float32(positives) / Float(positives.count)).squareRoot()
        let gammaHat = leftStd / rightStd
        let meanAbsolute = PairwiseSum.float32(absolute) / Float(values.count)
        let rHat = meanAbsolute * meanAbsolute / (PairwiseSum.float32(squares) / Float(values.count))
        let g2 = gammaHat * gammaHat
        let rHatNorm = Double((rHat * (g2 * gammaHat + 1) * (gammaHat + 1)) / ((g2 + 1) * (g2 + 1)))
        guard rHatNorm.isFinite else { return (.nan, .nan, .nan) }
        var best = 0, bestDistance = Double.infinity
        for (i, rho) in grid.rho.enumerated() {
            let d = (rho - rHatNorm) * (rho - rHatNorm)
            if d < bestDistance { bestDistance = d; best = i }
        }
        let alpha = grid.shapes[best]
        let scale = (tgamma(1 / alpha) / tgamma(3 / alpha)).squareRoot()
        return (alpha, Double(leftStd) * scale, Double(rightStd) * scale)
    }
}

/// NumPy's pairwise summation of a contiguous float32 array (`pairwise_sum` of its umath loops): eight running
/// sums over blocks of up to 128 values, halves above that, all in single precision. Reproduced where a reference
/// result depends on NumPy's float32 rounding.
enum PairwiseSum {
    static func float32(_ values: [Float]) -> Float {
        values.withUnsafeBufferPointer { sum($0.baseAddress, $0.count) }
    }

    private static func sum(_ a: UnsafePointer<Float>?, _ n: Int) -> Float {
        guard let a, n > 0 else { return 0 }
        if n < 8 {
            var s: Float = -0.0
            for i in 0..<n { s += a[i] }
            return s
        }
        if n <= 128 {
            var r = (0..<8).map { a[$0] }
            var i = 8
            while i < n - n % 8 {
                for k in 0..<8 { r[k] += a[i + k] }
                i += 8
            }
            var s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { s += a[i]; i += 1 }
            return s
        }
        var half = n / 2
        half -= half % 8
        return sum(a, half) + sum(a + half, n - half)
    }
}
