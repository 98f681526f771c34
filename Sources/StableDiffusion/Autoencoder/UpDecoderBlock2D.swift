import WildTensor

/// diffusers' `UpDecoderBlock2D`: `resnets` (no time embedding; the decoder builds `layers_per_block + 1`), then an
/// `Upsample2D` unless the block is the last (`upsamplers.0`).
public final class UpDecoderBlock2D: Module, UnaryLayer {
    public let resnets: [ResnetBlock2D]
    public let upsamplers: [Upsample2D]

    public init(inChannels: Int, outChannels: Int, layers: Int, addUpsample: Bool, groups: Int, eps: Float = 1e-6,
                generator: inout TensorRandom) {
        resnets = (0..<layers).map { i in
            ResnetBlock2D(inChannels: i == 0 ? inChannels : outChannels, outChannels: outChannels, groups: groups, eps: eps,
                          generator: &generator)
        }
        upsamplers = addUpsample ? [Upsample2D(channels: outChannels, generator: &generator)] : []
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let h = resnets.reduce(x) { $1($0) }
        return upsamplers.reduce(h) { $1($0) }
    }
}
