import Imaging

/// Errors raised by the `Metrics` module.
public enum MetricsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The two images differ in size or channel count.
    case sizeMismatch(restored: String, reference: String)
    /// A negative crop border.
    case invalidCropBorder(Int)
    /// `crop_border` leaves nothing (or too little for the metric's window) to compare.
    case cropTooLarge(cropBorder: Int, width: Int, height: Int, minimum: Int)

    public var description: String {
        switch self {
        case let .sizeMismatch(restored, reference):
            return "image sizes differ: restored is \(restored), reference is \(reference)"
        case let .invalidCropBorder(crop):
            return "crop border must be zero or positive, got \(crop)"
        case let .cropTooLarge(crop, w, h, minimum):
            return "crop border \(crop) leaves less than \(minimum)×\(minimum) pixels of a \(w)×\(h) image"
        }
    }
}
