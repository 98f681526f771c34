import CBLAS
import WildTensor

/// KID, the Kernel Inception Distance (Bińkowski et al., ICLR 2018): the unbiased estimate of the squared maximum
/// mean discrepancy between two feature sets under the cubic polynomial kernel k(x, y) = (x·y/d + 1)³, averaged
/// over random subsets — torch-fidelity's `kid` (degree 3, γ = 1/d, coef0 = 1) and clean-fid's `kernel_distance`.
///
/// For subsets X, Y of m vectors each:
///
///     MMD²ᵤ = [Σ_{i≠j} k(xᵢ, xⱼ) + Σ_{i≠j} k(yᵢ, yⱼ)] / (m(m − 1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²
///
/// Conventions, stated because the packages differ in them: m = min(``subsetSize``, n₁, n₂) (clean-fid's rule;
/// torch-fidelity refuses sets smaller than its subset size instead); ``subsets`` subsets (default 100, both
/// packages' default; subset size default 1000), each drawn without replacement from each set; the reported value
/// is the mean of the subsets' estimates and the spread their population standard deviation (torch-fidelity's
/// `kernel_inception_distance_std`). The subsets come from WildIR's seeded generator (SplitMix64, ``seed``), not
/// NumPy's: per subset, the restored indices then the reference ones, each a partial Fisher–Yates shuffle of
/// 0 … n − 1 (for i in 0 ..< m: j = i + z mod (n − i), swap) — so values are reproducible for a seed but not
/// bit-equal to the packages' on sets larger than m. When m equals both set sizes every subset is the whole set
/// and the value is exact. Lower is better; it can be slightly negative (the estimate is unbiased). In Double.
public struct KernelInceptionDistance: Sendable, Equatable {
    /// The fewest vectors a set may have: the within-set sums divide by m − 1.
    public static let minimumCount = 2

    /// How many subsets are averaged.
    public var subsets: Int
    /// The largest subset size (smaller sets use their size).
    public var subsetSize: Int
    /// The seed of the subsets' generator.
    public var seed: UInt64

    /// KID with the packages' defaults: 100 subsets of up to 1000 vectors.
    public init(subsets: Int = 100, subsetSize: Int = 1000, seed: UInt64 = 0) {
        self.subsets = subsets
        self.subsetSize = subsetSize
        self.seed = seed
    }

    /// The mean of the subsets' MMD² and their population standard deviation.
    public struct Value: Sendable, Equatable {
        public let mean: Double
        public let standardDeviation: Double
        /// The subset size m used.
        public let subsetSize: Int
    }

    /// KID between the `restored` and `reference` features.
    /// - Throws: ``MetricsError/tooFewImages(metric:set:count:minimum:)`` when a set has fewer than two vectors,
    ///   ``MetricsError/undefined(_:)`` for different dimensions, no subsets or a non-finite result.
    public func evaluate(restored: FeatureSet, reference: FeatureSet) throws -> Value {
        for (set, name) in [(restored, "restored"), (reference, "reference")] where set.count < Self.minimumCount {
            throw MetricsError.tooFewImages(metric: "KID", set: name, count: set.count, minimum: Self.minimumCount)
        }
        guard restored.dimension == reference.dimension else {
            throw MetricsError.undefined("KID: features of \(restored.dimension) and \(reference.dimension) values")
        }
        guard subsets >= 1, subsetSize >= Self.minimumCount else {
            throw MetricsError.undefined("KID needs at least one subset of at least 2 images (got \(subsets) of \(subsetSize))")
        }
        let m = min(subsetSize, restored.count, reference.count)
        var generator = TensorRandom(seed: seed)
        var estimates: [Double] = []
        for _ in 0..<subsets {
            let x = restored.rows(Self.subset(of: restored.count, size: m, &generator))
            let y = reference.rows(Self.subset(of: reference.count, size: m, &generator))
            estimates.append(Self.unbiasedMMD2(x, y, count: m, dimension: restored.dimension))
        }
        let mean = estimates.reduce(0, +) / Double(subsets)
        let variance = estimates.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / Double(subsets)
        guard mean.isFinite, variance.isFinite else { throw MetricsError.undefined("KID is not a finite number (\(mean))") }
        return Value(mean: mean, standardDeviation: variance.squareRoot(), subsetSize: m)
    }

    /// `size` distinct indices of 0 … n − 1: a partial Fisher–Yates shuffle (the modulo's bias, below n/2⁶⁴, is
    /// negligible).
    static func subset(of n: Int, size: Int, _ generator: inout TensorRandom) -> [Int] {
        var order = Array(0..<n)
        for i in 0..<size {
            let j = i + Int(generator.next() % UInt64(n - i))
            order.swapAt(i, j)
        }
        return Array(order.prefix(size))
    }

    /// MMD²ᵤ of two row-major `count × dimension` subsets under (x·y/d + 1)³.
    static func unbiasedMMD2(_ x: [Double], _ y: [Double], count m: Int, dimension d: Int) -> Double {
        func kernelSum(_ a: [Double], _ b: [Double], offDiagonal: Bool) -> Double {
            var dots = [Double](repeating: 0, count: m * m)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(m), Int32(d), 1 / Double(d), a, Int32(d), b, Int32(d), 0, &dots, Int32(m))
            var sum = 0.0
            for i in 0..<m { for j in 0..<m where !(offDiagonal && i == j) { let k = dots[i * m + j] + 1; sum += k * k * k } }
            return sum
        }
        let within = kernelSum(x, x, offDiagonal: true) + kernelSum(y, y, offDiagonal: true)
        let n = Double(m)
        return within / (n * (n - 1)) - 2 * kernelSum(x, y, offDiagonal: false) / (n * n)
    }
}
