import Imaging

/// JPEG compression artifacts through the real codec (BasicSR `add_jpg_compression`): clip to [0, 1], encode at
/// `quality` with 4:2:0 chroma subsampling (OpenCV's default) and decode, all in memory.
public enum JPEGCompression {
    /// The image after a JPEG round trip at `quality` (1…100). Alpha is dropped, as JPEG has none.
    /// - Throws: ``ImagingError`` from the codec (e.g. a quality out of range).
    public static func apply(_ image: Image, quality: Int) throws -> Image {
        let bytes = try ImageCodec.encode(image, as: .jpeg, options: EncodeOptions(jpegQuality: quality, jpegSubsampling: .s420))
        return try ImageCodec.decode(bytes, source: "<jpeg degradation>")
    }

    /// The official draw: quality ~ U(lower, upper), truncated to an integer as `int(quality)` does.
    public static func randomQuality(in range: ClosedRange<Double>, random: inout DegradationRandom) -> Int {
        Int(random.uniform(range.lowerBound, range.upperBound))
    }
}
