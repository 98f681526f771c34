import Imaging

/// Errors raised by the `Metrics` module.
public enum MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The two images differ in size or channel count.
    case sizeMismatch(restored: String, reference: String)
    /// A negative crop border.
    case invalidCropBorder(Int)
    /// `crop_border` leaves nothing (or too little for the metric's window) to compare.
    case cropTooLarge(cropBorder: Int, width: Int, height: Int, minimum: Int)
    /// The image is too small for the metric.
    case imageTooSmall(width: Int, height: Int, minimum: String)
    /// A metric's parameter file is missing or malformed.
    case invalidParameters(String, String)
    /// The metric is not defined for this input (the reason says why).
    case undefined(String)
    /// A metric name that is not one of ``MetricName``.
    case unknownMetric(String, known: [String], planned: [String])
    /// A learned metric's weight file was found nowhere; `searched` lists every place looked in, `remedy` says
    /// where the file comes from and what to do.
    case weightsNotFound(weights: String, file: String, searched: [String], remedy: String)
    /// A weight file does not hold the expected network: keys missing or unknown, shapes that differ.
    case weightsMismatch(file: String, weights: String, missing: [String], unexpected: [String], wrongShape: [String])
    /// A weight file cannot be read or used (the reason says why).
    case unreadableWeights(file: String, reason: String)
    /// A weights name that is not one of ``MetricWeights``.
    case unknownWeights(String, known: [String])
    /// A set-level metric (FID, KID) got a set with fewer images than it needs (`set` is "restored" or "reference").
    case tooFewImages(metric: String, set: String, count: Int, minimum: Int)

    public var description: String {
        switch self {
        case let .sizeMismatch(restored, reference):
            return "image sizes differ: restored is \(restored), reference is \(reference)"
        case let .invalidCropBorder(crop):
            return "crop border must be zero or positive, got \(crop)"
        case let .cropTooLarge(crop, w, h, minimum):
            return "crop border \(crop) leaves less than \(minimum)×\(minimum) pixels of a \(w)×\(h) image"
        case let .imageTooSmall(w, h, minimum): return "a \(w)×\(h) image is too small: the metric needs at least \(minimum)"
        case let .invalidParameters(path, why): return "\(path): not usable metric parameters: \(why)"
        case let .undefined(why): return "the metric is undefined here: \(why)"
        case let .unknownMetric(name, known, planned):
            if planned.contains(name) {
                return "the metric '\(name)' is not available in this version of WildIR; available: \(known.joined(separator: ", "))"
            }
            return "unknown metric '\(name)'; available: \(known.joined(separator: ", "))"
        case let .weightsNotFound(weights, file, searched, remedy):
            return "the weights '\(weights)' (\(file)) were not found; looked in:\n"
                + searched.map { "  \($0)\n" }.joined() + remedy
        case let .weightsMismatch(file, weights, missing, unexpected, wrongShape):
            func list(_ title: String, _ items: [String]) -> String? {
                guard !items.isEmpty else { return nil }
                let shown = items.prefix(6).joined(separator: ", ")
                return "\(title) \(shown)" + (items.count > 6 ? " and \(items.count - 6) more" : "")
            }
            let problems = [list("missing", missing), list("unexpected", unexpected), list("wrong shape:", wrongShape)].compactMap { $0 }
            return "\(file): not the weights of \(weights): " + problems.joined(separator: "; ")
        case let .unreadableWeights(file, reason):
            return reason.hasPrefix(file) ? "cannot use these weights: \(reason)" : "\(file): cannot use these weights: \(reason)"
        case let .unknownWeights(name, known):
            return "unknown weights name '\(name)'; known: \(known.joined(separator: ", "))"
        case let .tooFewImages(metric, set, count, minimum):
            let why = metric == "FID" ? " (the covariance of fewer is undefined)" : " (the unbiased estimate divides by m − 1)"
            return "\(metric) needs at least \(minimum) images in each set\(why); the \(set) set has \(count)"
        }
    }
}
