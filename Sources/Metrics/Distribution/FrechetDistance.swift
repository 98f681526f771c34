import CBLAS
import Foundation

/// The Fréchet distance between the Gaussians fitted to two feature sets — FID when the features are the FID
/// Inception's (Heusel et al., NeurIPS 2017, eq. 6; pytorch-fid 0.3.0 `calculate_frechet_distance`):
///
///     d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½
///
/// with the sample means and the unbiased covariances (NumPy `cov(rowvar=False)`, divisor n − 1), everything in
/// Double. Lower is better; 0 for identical sets.
///
/// The trace of the square root. pytorch-fid forms Σ₁Σ₂ and takes scipy's `sqrtm` (a Schur method on a non-symmetric
/// matrix; with fewer images than dimensions Σ₁Σ₂ is singular, scipy warns and may need pytorch-fid's ε·I retry).
/// Here the same number comes from symmetric positive semi-definite matrices only, whose eigenvalues LAPACK computes
/// stably. The identity behind both routes: for any A (p × q) and B (q × p), AB and BA have the same nonzero
/// eigenvalues. If the eigenvalues of Σ₁Σ₂ are λᵢ ≥ 0, its principal square root — the matrix scipy returns — has
/// eigenvalues √λᵢ, so tr (Σ₁Σ₂)^½ = Σ √λᵢ, and zero eigenvalues add nothing.
/// - Statistics route (``between(mean1:covariance1:mean2:covariance2:)``, and sets larger than the dimension):
///   Σ₁ = V L Vᵀ (eigenvalues L ≥ 0; those below d·ε·max L are rounding noise of zeros and dropped), W = V L^½, so
///   Σ₁ = W Wᵀ and Σ₁Σ₂ = W (WᵀΣ₂) has the nonzero eigenvalues of N = WᵀΣ₂W = (Σ₁^½ Σ₂ Σ₁^½ in V's basis), which is
///   symmetric PSD.
/// - Feature route (sets no larger than the dimension, the usual case for a test set: 2048-d features): with the
///   centred features X₁ (n₁ × d), X₂ (n₂ × d), Σₖ = XₖᵀXₖ/(nₖ − 1), and Σ₁Σ₂ = X₁ᵀ(X₁X₂ᵀX₂)/((n₁ − 1)(n₂ − 1)) has
///   the nonzero eigenvalues of G Gᵀ/((n₁ − 1)(n₂ − 1)), G = X₁X₂ᵀ (n₁ × n₂, never d × d): their square roots are
///   G's singular values, taken directly by an SVD (accurate to ε·σ₁ each, where the eigenvalues of G Gᵀ would
///   give the small ones only to √ε·σ₁), so tr (Σ₁Σ₂)^½ = Σ σᵢ(G) / √((n₁ − 1)(n₂ − 1)).
public enum FrechetDistance {
    /// The fewest vectors a set may have: the covariance of one vector is undefined (division by n − 1 = 0).
    public static let minimumCount = 2

    /// The distance between the Gaussians of two feature sets; `metric` names the score in errors (e.g. "FID").
    /// - Throws: ``MetricsError/tooFewImages(metric:set:count:minimum:)`` when a set has fewer than
    ///   ``minimumCount`` vectors, ``MetricsError/undefined(_:)`` when the dimensions differ or the result is not
    ///   finite.
    public static func between(_ a: FeatureSet, _ b: FeatureSet, metric: String = "FID") throws -> Double {
        for (set, name) in [(a, "restored"), (b, "reference")] where set.count < minimumCount {
            throw MetricsError.tooFewImages(metric: metric, set: name, count: set.count, minimum: minimumCount)
        }
        guard a.dimension == b.dimension else { throw MetricsError.undefined("\(metric): features of \(a.dimension) and \(b.dimension) values") }
        let d = a.dimension
        let (meanA, meanB) = (a.mean, b.mean)
        let squaredDistance = zip(meanA, meanB).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let (xa, xb) = (a.centred, b.centred)
        let (na, nb) = (Double(a.count - 1), Double(b.count - 1))
        let traces = xa.reduce(0.0) { $0 + $1 * $1 } / na + xb.reduce(0.0) { $0 + $1 * $1 } / nb
        let root: Double
        if min(a.count, b.count) <= d {
            root = try traceOfSquareRoot(centred: xa, count: a.count, centred: xb, count: b.count, dimension: d)
        } else {
            root = try traceOfSquareRoot(covariance(xa, count: a.count, dimension: d), covariance(xb, count: b.count, dimension: d), dimension: d)
        }
        return try finite(squaredDistance + traces - 2 * root, metric)
    }

    /// The distance between N(`mean1`, `covariance1`) and N(`mean2`, `covariance2`) (row-major d × d covariances,
    /// symmetric positive semi-definite), as pytorch-fid computes it from saved statistics.
    /// - Throws: ``MetricsError/undefined(_:)`` for inconsistent sizes, non-finite input or result.
    public static func between(mean1: [Double], covariance1: [Double], mean2: [Double], covariance2: [Double]) throws -> Double {
        let d = mean1.count
        guard d > 0, mean2.count == d, covariance1.count == d * d, covariance2.count == d * d else {
            throw MetricsError.undefined("Fréchet distance: means of \(mean1.count) and \(mean2.count) values with covariances of "
                + "\(covariance1.count) and \(covariance2.count) values")
        }
        guard (mean1 + mean2 + covariance1 + covariance2).allSatisfy(\.isFinite) else {
            throw MetricsError.undefined("Fréchet distance: the statistics hold NaN or infinite values")
        }
        let squaredDistance = zip(mean1, mean2).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let traces = (0..<d).reduce(0.0) { $0 + covariance1[$1 * d + $1] + covariance2[$1 * d + $1] }
        return try finite(squaredDistance + traces - 2 * traceOfSquareRoot(covariance1, covariance2, dimension: d), "Fréchet distance")
    }

    /// tr (Σ₁Σ₂)^½ through the eigenvalues of N = L^½ VᵀΣ₂V L^½ (the statistics route, see the type's comment).
    static func traceOfSquareRoot(_ sigma1: [Double], _ sigma2: [Double], dimension d: Int) throws -> Double {
        let eigen = try SymmetricEigensystem(sigma1, dimension: d, vectors: true)
        let cutoff = Double(d) * Double.ulpOfOne * (eigen.values.last ?? 0)
        let kept = eigen.values.indices.filter { eigen.values[$0] > cutoff }
        let r = kept.count
        guard r > 0 else { return 0 }
        // W = V L^½ restricted to the kept eigenvalues, d × r row-major (V is column-major: column k at k·d).
        var w = [Double](repeating: 0, count: d * r)
        for (j, k) in kept.enumerated() {
            let scale = eigen.values[k].squareRoot()
            for i in 0..<d { w[i * r + j] = eigen.vectors[k * d + i] * scale }
        }
        var t = [Double](repeating: 0, count: d * r), n = [Double](repeating: 0, count: r * r)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(r), Int32(d), 1, sigma2, Int32(d), w, Int32(r), 0, &t, Int32(r))
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(r), Int32(r), Int32(d), 1, w, Int32(r), t, Int32(r), 0, &n, Int32(r))
        return try sumOfSquareRoots(symmetrised(n, r), dimension: r)
    }

    /// tr (Σ₁Σ₂)^½ through the singular values of G = X₁X₂ᵀ (the feature route, see the type's comment), for
    /// centred row-major features.
    static func traceOfSquareRoot(centred x1: [Double], count n1: Int, centred x2: [Double], count n2: Int, dimension d: Int) throws -> Double {
        var g = [Double](repeating: 0, count: n1 * n2)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n1), Int32(n2), Int32(d), 1, x1, Int32(d), x2, Int32(d), 0, &g, Int32(n2))
        return try SingularValues.of(g, rows: n1, columns: n2).reduce(0, +) / (Double(n1 - 1) * Double(n2 - 1)).squareRoot()
    }

    /// Σ √max(λ, 0) over the eigenvalues of a symmetric PSD matrix (negative ones are rounding noise of zeros).
    static func sumOfSquareRoots(_ matrix: [Double], dimension n: Int) throws -> Double {
        try SymmetricEigensystem(matrix, dimension: n, vectors: false).values.reduce(0.0) { $0 + max($1, 0).squareRoot() }
    }

    /// (M + Mᵀ)/2: removes the rounding asymmetry of a product that is symmetric in exact arithmetic.
    static func symmetrised(_ m: [Double], _ n: Int) -> [Double] {
        var out = m
        for i in 0..<n { for j in 0..<i { let v = (m[i * n + j] + m[j * n + i]) / 2; out[i * n + j] = v; out[j * n + i] = v } }
        return out
    }

    /// The unbiased covariance XᵀX/(n − 1) of centred row-major features, d × d.
    static func covariance(_ x: [Double], count n: Int, dimension d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n), 1 / Double(n - 1), x, Int32(d), x, Int32(d), 0, &c, Int32(d))
        return c
    }

    static func finite(_ value: Double, _ metric: String) throws -> Double {
        guard value.isFinite else { throw MetricsError.undefined("\(metric) is not a finite number (\(value))") }
        return value
    }
}
