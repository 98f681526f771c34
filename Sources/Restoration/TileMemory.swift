import Models
import WildTensor

/// How much memory restoring one tile takes, estimated before a restoration starts so that a tile too large for
/// the machine is refused (or shrunk) instead of exhausting memory halfway through a batch.
///
/// The per-pixel cost is measured, not modelled: the network runs once on a small probe tile while the tensor
/// engine records the most bytes in use at once (``BufferPoolProbe/peakInUseBytes``); everything the U-Net holds
/// grows with the pixel count except the self-attention maps of image-context networks (tokens² per head at the
/// deepest level), which are added from the configuration. A margin covers oneDNN's own workspaces.
public struct TileMemory: Sendable {
    /// Bytes per tile pixel for everything that grows linearly with the tile (probe peak / probe pixels).
    public let bytesPerPixel: Double
    let configuration: ConditionalUNetConfiguration

    /// The probe tile's side: large enough that fixed costs do not dominate, small enough to take milliseconds.
    static let probeSide = 64

    /// Measures `network` on a probe tile (runs it once, without recording gradients).
    public init(network: ConditionalUNet) {
        let configuration = network.configuration
        self.configuration = configuration
        let side = Self.probeSide, channels = configuration.inChannels
        let x = Tensor.zeros([1, channels, side, side])
        let context = configuration.hasContext ? Tensor.zeros([1, configuration.contextDim ?? 1]) : nil
        let base = BufferPoolProbe.inUseBytes
        BufferPoolProbe.resetPeak()
        _ = withNoGrad {
            network(x, cond: x, time: Tensor(shape: [1], values: [1]),
                    textContext: configuration.useDegradationContext ? context : nil,
                    imageContext: configuration.useImageContext ? context : nil)
        }
        bytesPerPixel = Double(max(0, BufferPoolProbe.peakInUseBytes - base)) / Double(side * side)
    }

    /// Estimated peak bytes of restoring a `width` × `height` tile.
    public func peakBytes(width: Int, height: Int) -> Int {
        let linear = bytesPerPixel * Double(width * height)
        return Int(1.25 * (linear + attentionBytes(width: width, height: height))) + (64 << 20)
    }

    /// The self-attention maps (scores and their softmax, every head) of the spatial transformers at the deepest
    /// level, which image-context networks have; zero otherwise (linear attention grows linearly).
    func attentionBytes(width: Int, height: Int) -> Double {
        guard configuration.useImageContext, configuration.hasContext else { return 0 }
        let factor = (1 << (configuration.channelMultipliers.count - 1)) * (configuration.scale == 0.5 ? 2 : 1)
        let tokens = Double(((width + factor - 1) / factor) * ((height + factor - 1) / factor))
        let heads = Double(configuration.baseChannels * (configuration.channelMultipliers.max() ?? 1) / 32)
        return 2 * heads * tokens * tokens * 4
    }

    /// The largest square tile side (a multiple of 32, at least 32) whose estimate stays within `limit` bytes.
    public func largestTile(within limit: Int) -> Int {
        var side = 32
        while peakBytes(width: side + 32, height: side + 32) <= limit && side < 8192 { side += 32 }
        return side
    }
}
