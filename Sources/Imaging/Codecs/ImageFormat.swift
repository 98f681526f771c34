/// The container formats WildIR reads and writes.
public enum ImageFormat: String, Sendable, CaseIterable, Equatable {
    case png, jpeg, webp

    /// Human-readable name used in messages.
    public var name: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        case .webp: return "WebP"
        }
    }

    /// The format announced by the first bytes (magic number), or `nil`.
    public static func sniff(_ bytes: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.count >= 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) {
            return .webp
        }
        return nil
    }

    /// The format that a file extension names (`png`, `jpg`, `jpeg`, `webp`; case-insensitive), or `nil`.
    public init?(fileExtension ext: String) {
        switch ext.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg", "jpe", "jfif": self = .jpeg
        case "webp": self = .webp
        default: return nil
        }
    }
}

/// Options that bound decoding of untrusted files.
public struct DecodeOptions: Sendable, Equatable {
    /// Largest accepted `width × height`; larger images are refused before any pixel memory is allocated.
    /// Default 100 megapixels.
    public var maxPixels: Int
    /// Apply the EXIF orientation tag of JPEG files (default `true`), so pixels come out upright.
    public var applyOrientation: Bool

    /// The largest file read: 8 bytes per pixel of the pixel limit (16-bit RGBA stored uncompressed) plus 64 MiB
    /// for metadata. A larger file cannot be an image within the limit, only padding (a decompression-bomb cousin).
    public var maxFileBytes: Int { max(0, maxPixels).multipliedReportingOverflow(by: 8).partialValue + (64 << 20) }

    /// Options with a pixel limit and the orientation choice.
    public init(maxPixels: Int = 100_000_000, applyOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.applyOrientation = applyOrientation
    }

    /// The defaults: 100-megapixel limit, EXIF orientation applied.
    public static let `default` = DecodeOptions()
}

/// Options for encoding.
public struct EncodeOptions: Sendable, Equatable {
    /// Bits per sample for PNG: 8 or 16 (default 8).
    public var pngBitDepth: Int
    /// zlib compression level for PNG, 0 (none) … 9 (smallest); default 6, libpng's and Pillow's default.
    public var pngCompressionLevel: Int
    /// JPEG quality 1…100 (default 95).
    public var jpegQuality: Int
    /// Chroma subsampling for JPEG (default 4:2:0, the libjpeg/OpenCV/Pillow default).
    public var jpegSubsampling: JPEGSubsampling
    /// WebP quality 0…100 for lossy WebP (default 90); ignored when `webpLossless` is set.
    public var webpQuality: Float
    /// Lossless WebP (default `false`).
    public var webpLossless: Bool

    /// Options for every format at once; each encoder reads its own fields.
    public init(pngBitDepth: Int = 8, pngCompressionLevel: Int = 6, jpegQuality: Int = 95, jpegSubsampling: JPEGSubsampling = .s420,
                webpQuality: Float = 90, webpLossless: Bool = false) {
        self.pngBitDepth = pngBitDepth
        self.pngCompressionLevel = pngCompressionLevel
        self.jpegQuality = jpegQuality
        self.jpegSubsampling = jpegSubsampling
        self.webpQuality = webpQuality
        self.webpLossless = webpLossless
    }

    /// The defaults: 8-bit PNG at zlib level 6, JPEG quality 95 at 4:2:0, lossy WebP at quality 90.
    public static let `default` = EncodeOptions()
}

/// JPEG chroma subsampling.
public enum JPEGSubsampling: String, Sendable, CaseIterable {
    case s444 = "444", s422 = "422", s420 = "420", gray
}
