/// The learned metrics of an evaluation (LPIPS, DISTS), each loaded once before any image is scored. LPIPS with
/// VGG16 and DISTS share one VGG16 trunk.
public struct LearnedMetrics: Sendable, Equatable {
    /// LPIPS, when the evaluation computes it.
    public var lpips: LPIPS?
    /// DISTS, when the evaluation computes it.
    public var dists: DISTS?

    /// The given metrics (none by default: an evaluation without learned metrics).
    public init(lpips: LPIPS? = nil, dists: DISTS? = nil) {
        self.lpips = lpips
        self.dists = dists
    }

    /// Loads what `metrics` needs (``MetricName/lpips`` with `lpipsNetwork`, ``MetricName/dists``) through `locator`;
    /// other metrics need nothing here.
    /// - Throws: ``MetricsError`` naming the missing, unreadable or mismatched file.
    public static func load(for metrics: [MetricName], lpipsNetwork: LPIPSNetwork = .alex,
                            locator: MetricWeightsLocator) throws -> LearnedMetrics {
        var loaded = LearnedMetrics()
        if metrics.contains(.lpips) { loaded.lpips = try LPIPS(network: lpipsNetwork, locator: locator) }
        if metrics.contains(.dists) {
            let shared = loaded.lpips.flatMap { $0.network == .vgg ? $0.trunk : nil }
            loaded.dists = try DISTS(locator: locator, trunk: shared)
        }
        return loaded
    }
}
