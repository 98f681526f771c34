import Foundation

/// The pristine model of NIQE (Mittal, Soundararajan & Bovik 2013): the mean and covariance of the 36 natural-scene
/// features over pristine photos, and the 7×7 Gaussian window of the local normalisation — BasicSR's
/// `niqe_pris_params.npz` (Apache-2.0), the official MATLAB release's values, shipped as
/// `models/metrics/niqe_pris_params.json` (written by `Tools/fixtures/niqe.py` from BasicSR's wheel).
public struct NIQEParameters: Codable, Sendable, Equatable {
    /// μ_p, 36 values.
    public let mean: [Double]
    /// Σ_p, 36 × 36, row-major.
    public let covariance: [Double]
    /// The 7×7 window, row-major.
    public let window: [Double]

    enum CodingKeys: String, CodingKey { case mean = "mu_pris_param", covariance = "cov_pris_param", window = "gaussian_window" }

    /// The file's name inside the bundled models folder.
    public static let bundledPath = "metrics/niqe_pris_params.json"

    /// Reads the parameters from their JSON file.
    /// - Throws: ``MetricsError/invalidParameters(_:_:)`` naming the file.
    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MetricsError.invalidParameters(url.path, "cannot read the file")
        }
        do { self = try JSONDecoder().decode(NIQEParameters.self, from: data) } catch {
            throw MetricsError.invalidParameters(url.path, "\(error)")
        }
        guard mean.count == NIQE.featureCount, covariance.count == NIQE.featureCount * NIQE.featureCount, window.count == 49,
              (mean + covariance + window).allSatisfy(\.isFinite) else {
            throw MetricsError.invalidParameters(url.path, "expected 36 means, a 36×36 covariance and a 7×7 window of finite numbers")
        }
    }
}
