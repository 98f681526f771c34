import Imaging

/// The resampling degradation of DACLIP-IR's `random_resize`: shrink or enlarge by 1/s with s ~ U(0.5, 1.4)
/// (sizes truncated as `int(h/s)`), or back to a given size, with area, bicubic or bilinear chosen uniformly.
public enum RandomResize {
    /// The interpolation modes drawn from, in the official order.
    public static let filters: [ResizeFilter] = [.area, .bicubic, .bilinear]

    /// A random rescale by 1/s, s ~ U(`scaleRange`); returns the image and the filter used.
    public static func apply(_ image: Image, scaleRange: ClosedRange<Double> = 0.5...1.4,
                             random: inout DegradationRandom) throws -> (Image, ResizeFilter) {
        let s = random.uniform(scaleRange.lowerBound, scaleRange.upperBound)
        let width = max(1, Int(Double(image.width) / s)), height = max(1, Int(Double(image.height) / s))
        return try apply(image, width: width, height: height, random: &random)
    }

    /// A resize by `scaleFactor` as PyTorch's `F.interpolate(scale_factor:)` makes it (``Imaging/Image/interpolated(scaleFactor:filter:)``:
    /// size ⌊size · scale⌋, coordinates mapped with the factor itself) with a filter chosen uniformly from `filters`.
    /// - Throws: ``DegradationError/invalidParameter(_:)`` for an empty filter list.
    public static func apply(_ image: Image, scaleFactor: Double, filters: [ResizeFilter],
                             random: inout DegradationRandom) throws -> (Image, ResizeFilter) {
        guard !filters.isEmpty else { throw DegradationError.invalidParameter("random resize needs at least one filter") }
        let filter = filters[random.integer(in: 0...(filters.count - 1))]
        return (try image.interpolated(scaleFactor: scaleFactor, filter: filter), filter)
    }

    /// A resize to exactly `width × height` with a filter chosen uniformly from `filters`.
    /// - Throws: ``DegradationError/invalidParameter(_:)`` for an empty filter list.
    public static func apply(_ image: Image, width: Int, height: Int, filters: [ResizeFilter] = Self.filters,
                             random: inout DegradationRandom) throws -> (Image, ResizeFilter) {
        guard !filters.isEmpty else { throw DegradationError.invalidParameter("random resize needs at least one filter") }
        let filter = filters[random.integer(in: 0...(filters.count - 1))]
        return (try image.resized(width: width, height: height, filter: filter), filter)
    }
}
