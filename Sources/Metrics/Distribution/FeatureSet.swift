/// The feature vectors of a set of images (FID's and KID's input), in Double: `count` rows of `dimension` values,
/// row-major.
public struct FeatureSet: Sendable, Equatable {
    /// The number of vectors (images).
    public let count: Int
    /// The length of each vector (2048 for the FID Inception).
    public let dimension: Int
    /// Row-major values, `count × dimension`.
    public let values: [Double]

    /// The set of `rows`, which must all have the same length.
    /// - Throws: ``MetricsError/undefined(_:)`` for rows of different lengths or an empty dimension.
    public init(_ rows: [[Float]]) throws {
        let dimension = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == dimension }) else { throw MetricsError.undefined("feature vectors of different lengths") }
        try self.init(count: rows.count, dimension: dimension, values: rows.flatMap { $0.map(Double.init) })
    }

    /// The set of `count` rows of `dimension` values.
    /// - Throws: ``MetricsError/undefined(_:)`` when the sizes disagree or a value is not finite.
    public init(count: Int, dimension: Int, values: [Double]) throws {
        guard dimension > 0, count >= 0, values.count == count * dimension else {
            throw MetricsError.undefined("\(values.count) feature values are not \(count) vectors of \(dimension)")
        }
        guard values.allSatisfy(\.isFinite) else { throw MetricsError.undefined("a feature vector holds NaN or infinite values") }
        self.count = count
        self.dimension = dimension
        self.values = values
    }

    /// The mean vector.
    public var mean: [Double] {
        var mean = [Double](repeating: 0, count: dimension)
        for i in 0..<count { for k in 0..<dimension { mean[k] += values[i * dimension + k] } }
        return mean.map { $0 / Double(count) }
    }

    /// The rows minus their mean, row-major.
    var centred: [Double] {
        let mean = mean
        return values.indices.map { values[$0] - mean[$0 % dimension] }
    }

    /// The rows `indices`, in that order.
    func rows(_ indices: [Int]) -> [Double] {
        indices.flatMap { values[$0 * dimension..<($0 + 1) * dimension] }
    }
}
