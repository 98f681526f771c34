import WildTensor

/// A small convolutional encoder of the damage a low-quality image carries, whose embedding is added to a
/// ``ConditionalUNet``'s time embedding, so that it scales and shifts the features of every residual block (FiLM).
///
/// DACLIP-IR conditions its restorer on DA-CLIP's degradation embedding (§3.3–3.4) so that the network knows what
/// damage to undo; a CLIP tower trained from scratch on a CPU learns too little of it (see the tiny DA-CLIP's model
/// card). This encoder is the same idea at CPU scale, trained jointly with the restorer by the restoration loss: 3×3
/// convolutions (the first at full resolution, every next one halving it, SiLU after each), then the mean and the
/// root mean square of each channel over the whole image, then a linear map to the time-embedding width,
/// zero-initialised so that a new network computes exactly what it would without the encoder. Pooling over the
/// whole image is the point: a patch's receptive field cannot tell a smooth clean area from a slightly blurred one,
/// the statistics of the whole photo can. Both pooled moments are averages, so the embedding of a large image is
/// computed tile by tile without approximation beyond the tiles' borders (``embedding(of:tileSide:)``).
///
/// Not an official module: its parameters are saved under `degradation_encoder.` next to the official ones.
public final class DegradationEncoder: Module {
    /// 3×3 convolutions: the first keeps the resolution, each next one halves it.
    public let convs: [Conv2d]
    /// Pooled moments (`2 · widths.last`) to the time embedding; zero-initialised.
    public let projection: Linear

    public init(inChannels: Int, widths: [Int], outputDim: Int, generator: inout TensorRandom) {
        var convs: [Conv2d] = []
        var previous = inChannels
        for (index, width) in widths.enumerated() {
            convs.append(Conv2d(previous, width, kernelSize: 3, stride: index == 0 ? 1 : 2, padding: 1, generator: &generator))
            previous = width
        }
        self.convs = convs
        projection = Linear(2 * previous, outputDim, generator: &generator)
        projection.weight.assign(.zeros(projection.weight.shape))
        if let bias = projection.bias { bias.assign(.zeros(bias.shape)) }
    }

    /// The per-channel mean and mean square of the last features of `image` (`[B, C, H, W]`): `[B, 2·width]`.
    public func moments(_ image: Tensor) -> Tensor {
        var x = image
        for conv in convs { x = conv(x).silu() }
        return Tensor.concatenate([x.mean(axes: [2, 3]), (x * x).mean(axes: [2, 3])], axis: 1)
    }

    /// The embedding from pooled moments: mean and root mean square, then the projection.
    func embedding(fromMoments moments: Tensor) -> Tensor {
        let width = moments.shape[1] / 2
        let mean = moments.sliced(axis: 1, 0..<width)
        let rootMeanSquare = (moments.sliced(axis: 1, width..<2 * width) + 1e-6).sqrt()
        return projection(Tensor.concatenate([mean, rootMeanSquare], axis: 1))
    }

    /// The degradation embedding of each image of a batch (`[B, C, H, W]` → `[B, time-embedding width]`), with gradients.
    public func callAsFunction(_ image: Tensor) -> Tensor { embedding(fromMoments: moments(image)) }

    /// The embedding of one large image (`[1, C, H, W]`) computed over non-overlapping tiles of at most
    /// `tileSide`² pixels, their moments averaged by area, so that memory stays that of one tile. Equal to the
    /// whole-image embedding except near the tiles' borders (each tile pads its own edges).
    public func embedding(of image: Tensor, tileSide: Int = 512) -> Tensor {
        let (height, width) = (image.shape[2], image.shape[3])
        guard height * width > tileSide * tileSide else { return self(image) }
        func starts(_ length: Int) -> [Int] { Array(stride(from: 0, to: length, by: tileSide)) }
        var sum = Tensor.zeros([image.shape[0], projection.weight.shape[1]])  // the moments' width, 2 · last width
        for top in starts(height) {
            for left in starts(width) {
                let tile = image.sliced(axis: 2, top..<min(top + tileSide, height))
                    .sliced(axis: 3, left..<min(left + tileSide, width))
                sum = sum + moments(tile) * Float(tile.shape[2] * tile.shape[3])
            }
        }
        return embedding(fromMoments: sum * (1 / Float(height * width)))
    }
}
