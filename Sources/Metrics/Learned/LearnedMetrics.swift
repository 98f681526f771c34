/// The learned metrics of an evaluation (LPIPS, DISTS, and the FID Inception of FID and KID), each loaded once
/// before any image is scored. LPIPS with VGG16 and DISTS share one VGG16 trunk; FID and KID share the Inception.
public struct LearnedMetrics: Sendable, Equatable {
    /// LPIPS, when the evaluation computes it.
    public var lpips: LPIPS?
    /// DISTS, when the evaluation computes it.
    public var dists: DISTS?
    /// The FID Inception, when the evaluation computes FID or KID.
    public var fidInception: FIDInception?

    /// The given metrics (none by default: an evaluation without learned metrics).
    public init(lpips: LPIPS? = nil, dists: DISTS? = nil, fidInception: FIDInception? = nil) {
        self.lpips = lpips
        self.dists = dists
        self.fidInception = fidInception
    }

    /// Loads what `metrics` needs (``MetricName/lpips`` with `lpipsNetwork`, ``MetricName/dists``, the Inception of
    /// ``MetricName/fid`` and ``MetricName/kid``) through `locator`;
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
        if metrics.contains(where: \.isSetLevel) { loaded.fidInception = try FIDInception(locator: locator) }
        return loaded
    }
}
