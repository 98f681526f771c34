/// Errors raised by the `Imaging` module. Each message names the file (when there is one) and the problem.
public enum ImagingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Sizes that cannot form an image (non-positive, overflowing, or a channel count outside 1…4).
    case invalidDimensions(width: Int, height: Int, channels: Int)
    /// The file could not be read or written.
    case fileAccess(path: String, reason: String)
    /// The data is empty (zero bytes).
    case emptyData(source: String)
    /// The bytes are not in any supported format (PNG, JPEG, WebP).
    case unrecognisedFormat(source: String)
    /// The file extension names no supported output format.
    case unsupportedExtension(path: String, ext: String)
    /// The bytes claim a supported format but are damaged or cut short.
    case corruptData(source: String, format: ImageFormat, reason: String)
    /// The image declares more pixels than the configured limit (decompression-bomb guard).
    case tooManyPixels(source: String, width: Int, height: Int, limit: Int)
    /// A feature of the file that WildIR does not decode (for example a JPEG colour space).
    case unsupportedFeature(source: String, format: ImageFormat, feature: String)
    /// An encoder parameter is out of range (for example JPEG quality outside 1…100).
    case invalidParameter(String)
    /// The encoder failed.
    case encodingFailed(format: ImageFormat, reason: String)

    public var description: String {
        switch self {
        case let .invalidDimensions(w, h, c):
            return "invalid image dimensions \(w)×\(h) with \(c) channel(s): sizes must be positive and channels 1…4"
        case let .fileAccess(path, reason):
            return "\(path): \(reason)"
        case let .emptyData(source):
            return "\(source): the file is empty (0 bytes)"
        case let .unrecognisedFormat(source):
            return "\(source): not a PNG, JPEG or WebP image (unrecognised signature)"
        case let .unsupportedExtension(path, ext):
            return "\(path): cannot write '.\(ext)' files; use .png, .jpg/.jpeg or .webp"
        case let .corruptData(source, format, reason):
            return "\(source): corrupt or truncated \(format.name) data: \(reason)"
        case let .tooManyPixels(source, w, h, limit):
            return "\(source): \(w)×\(h) = \(w * h) pixels exceeds the limit of \(limit) pixels "
                + "(raise it with DecodeOptions.maxPixels if the file is trusted)"
        case let .unsupportedFeature(source, format, feature):
            return "\(source): unsupported \(format.name) feature: \(feature)"
        case let .invalidParameter(message):
            return message
        case let .encodingFailed(format, reason):
            return "\(format.name) encoding failed: \(reason)"
        }
    }
}
