/// A raster image stored as planar Float32 samples in [0, 1].
///
/// Samples are laid out channel by channel (all of channel 0, then channel 1, …), each channel row-major,
/// which is the NCHW layout the restoration networks consume without a transpose. Channels are
/// 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA); alpha, when present, is the last channel and is straight
/// (not premultiplied).
public struct Image: Sendable, Equatable {
    /// Width in pixels (> 0).
    public let width: Int
    /// Height in pixels (> 0).
    public let height: Int
    /// Number of channels: 1, 2, 3 or 4.
    public let channels: Int
    /// Planar samples, `channels × height × width`, nominally in [0, 1].
    public var samples: [Float]

    /// Number of pixels in one channel plane.
    @inlinable public var planeSize: Int { width * height }

    /// Whether the last channel is alpha (2 or 4 channels).
    @inlinable public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// Number of colour channels, alpha excluded (1 or 3).
    @inlinable public var colourChannels: Int { hasAlpha ? channels - 1 : channels }

    /// Creates an image from planar samples.
    /// - Throws: ``ImagingError/invalidDimensions(width:height:channels:)`` when the sizes are not positive, the
    ///   channel count is not 1…4, or `samples.count` is not `channels × height × width`.
    public init(width: Int, height: Int, channels: Int, samples: [Float]) throws {
        guard width > 0, height > 0, (1...4).contains(channels),
              width.multipliedReportingOverflow(by: height).overflow == false,
              samples.count == width * height * channels
        else { throw ImagingError.invalidDimensions(width: width, height: height, channels: channels) }
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// Creates an image filled with `value`.
    /// - Throws: ``ImagingError/invalidDimensions(width:height:channels:)`` for non-positive sizes or channels outside 1…4.
    public init(width: Int, height: Int, channels: Int, filledWith value: Float = 0) throws {
        guard width > 0, height > 0, (1...4).contains(channels),
              width.multipliedReportingOverflow(by: height).overflow == false
        else { throw ImagingError.invalidDimensions(width: width, height: height, channels: channels) }
        try self.init(width: width, height: height, channels: channels,
                      samples: [Float](repeating: value, count: width * height * channels))
    }

    /// Internal initialiser for code that has already validated its sizes.
    @usableFromInline
    init(uncheckedWidth width: Int, height: Int, channels: Int, samples: [Float]) {
        precondition(samples.count == width * height * channels, "Image sample count mismatch")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    /// The sample at (`x`, `y`) of channel `c`.
    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { samples[(c * height + y) * width + x] }
        set { samples[(c * height + y) * width + x] = newValue }
    }

    /// One channel as a new single-channel image.
    public func channel(_ c: Int) -> Image {
        precondition((0..<channels).contains(c), "channel index out of range")
        let start = c * planeSize
        return Image(uncheckedWidth: width, height: height, channels: 1,
                     samples: Array(samples[start..<start + planeSize]))
    }

    /// The colour channels only (alpha dropped), or `self` when there is no alpha.
    public var droppingAlpha: Image {
        guard hasAlpha else { return self }
        return Image(uncheckedWidth: width, height: height, channels: colourChannels,
                     samples: Array(samples[0..<colourChannels * planeSize]))
    }

    /// RGB(A) version of the image: gray (and gray+alpha) replicated to three colour channels; RGB(A) unchanged.
    public func expandedToRGB() -> Image {
        guard colourChannels == 1 else { return self }
        let n = planeSize
        var out = [Float](repeating: 0, count: n * (hasAlpha ? 4 : 3))
        for c in 0..<3 { out.replaceSubrange(c * n..<(c + 1) * n, with: samples[0..<n]) }
        if hasAlpha { out.replaceSubrange(3 * n..<4 * n, with: samples[n..<2 * n]) }
        return Image(uncheckedWidth: width, height: height, channels: hasAlpha ? 4 : 3, samples: out)
    }

    /// Three-channel RGB: alpha dropped and gray replicated, what RGB networks, training pairs and RGB metrics take.
    public var opaqueRGB: Image { droppingAlpha.expandedToRGB() }

    /// The image with every sample clamped to [0, 1].
    public var clamped: Image {
        var copy = self
        for i in copy.samples.indices { copy.samples[i] = min(max(copy.samples[i], 0), 1) }
        return copy
    }
}
