import Imaging

/// A metric that scores an image alone, without a reference (NIQE; later CLIPIQA, …).
public protocol NoReferenceMetric: Sendable {
    /// Short name used in tables and files ("NIQE").
    var name: String { get }
    /// `true` when larger values mean better images.
    var higherIsBetter: Bool { get }
    /// The score of `image`.
    /// - Throws: ``MetricsError`` when the image cannot be scored (too small, say).
    func evaluate(_ image: Image) throws -> Double
}
