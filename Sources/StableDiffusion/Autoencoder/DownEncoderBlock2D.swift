import WildTensor

/// diffusers' `DownEncoderBlock2D`: `resnets` (no time embedding), then a `Downsample2D` with the VAE's
/// asymmetric padding (`downsample_padding=0`) unless the block is the last (`downsamplers.0`).
public final class DownEncoderBlock2D: Module, UnaryLayer {
    public let resnets: [ResnetBlock2D]
    public let downsamplers: [Downsample2D]

    public init(inChannels: Int, outChannels: Int, layers: Int, addDownsample: Bool, groups: Int, eps: Float = 1e-6,
                generator: inout TensorRandom) {
        resnets = (0..<layers).map { i in
            ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels, groups: groups, eps: eps,
                          generator: &generator)
        }
        downsamplers = addDownsample ? [Downsample2D(channels: outChannels, padding: 0, generator: &generator)] : []
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = resnets.reduce(x) { $1($0) }
        return downsamplers.reduce(h) { $1($0) }
    }
}
