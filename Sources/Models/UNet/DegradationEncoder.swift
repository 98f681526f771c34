import WildTensor

/// A small convolutional encoder of the damage a low-quality image carries, whose embedding is added to a
/// ``ConditionalUNet``'s time embedding, so that it scales and shifts the features of every residual block (FiLM).
///
/// DACLIP-IR conditions its restorer on DA-CLIP's degradation embedding (§3.3–3.4) so that the network knows what
/// damage to undo; a CLIP tower trained from scratch on a CPU learns too little of it (see the tiny DA-CLIP's model
/// card). This encoder is the same idea at CPU scale, trained jointly with the restorer by the restoration loss: 3×3
/// convolutions (the first at full resolution, every next one halving it, SiLU after each), then the mean and the
/// root mean square of each channel over the whole image, a LayerNorm of those pooled statistics (as CLIP's
/// `ln_post` before its projection: the last convolutions' outputs are small, and differ between images by less,
/// so without it a linear map of them moves by a tiny fraction of its step), then a linear map to the
/// time-embedding width, zero-initialised so that a new network computes exactly what it would without the encoder. Pooling over the
/// whole image is the point: a patch's receptive field cannot tell a smooth clean area from a slightly blurred one,
/// the statistics of the whole photo can. Both pooled moments are averages, so the embedding of a large image is
/// computed tile by tile without approximation beyond the tiles' borders (``embedding(of:tileSide:)``).
///
/// The same pooled features also feed a small ``head`` that estimates the damage itself (``DamageEstimate``):
/// trained on the degradation records of the training pairs (`train.damage_loss_weight`), it gives the
/// convolutions a signal of their own, which the zero-initialised projection alone cannot (it passes no gradient to
/// them until it has grown, and it grows only on features that already mean something).
///
/// Not an official module: its parameters are saved under `degradation_encoder.` next to the official ones.
public final class DegradationEncoder: Module {
    /// 3×3 convolutions: the first keeps the resolution, each next one halves it.
    public let convs: [Conv2d]
    /// LayerNorm of the pooled moments (`2 · widths.last`).
    public let norm: LayerNorm
    /// Pooled moments (`2 · widths.last`) to the time embedding; zero-initialised.
    public let projection: Linear
    /// Pooled moments (`2 · widths.last`) to the ``DamageEstimate`` components.
    public let head: Linear

    public init(inChannels: Int, widths: [Int], outputDim: Int, generator: inout TensorRandom) {
        var convs: [Conv2d] = []
        var previous = inChannels
        for (index, width) in widths.enumerated() {
            convs.append(Conv2d(previous, width, kernelSize: 3, stride: index == 0 ? 1 : 2, padding: 1, generator: &generator))
            previous = width
        }
        self.convs = convs
        norm = LayerNorm(2 * previous)
        projection = Linear(2 * previous, outputDim, generator: &generator)
        projection.weight.assign(.zeros(projection.weight.shape))
        if let bias = projection.bias { bias.assign(.zeros(bias.shape)) }
        head = Linear(2 * previous, DamageEstimate.count, generator: &generator)
    }

    /// The per-channel mean and mean square of the last features of `image` (`[B, C, H, W]`): `[B, 2·width]`.
    public func moments(_ image: Tensor) -> Tensor {
        var x = image
        for conv in convs { x = conv(x).silu() }
        return Tensor.concatenate([x.mean(axes: [2, 3]), (x * x).mean(axes: [2, 3])], axis: 1)
    }

    /// The pooled features from pooled moments: each channel's mean and root mean square, layer-normalised.
    func features(fromMoments moments: Tensor) -> Tensor {
        let width = moments.shape[1] / 2
        let mean = moments.sliced(axis: 1, 0..<width)
        let rootMeanSquare = (moments.sliced(axis: 1, width..<2 * width) + 1e-6).sqrt()
        return norm(Tensor.concatenate([mean, rootMeanSquare], axis: 1))
    }

    /// The embedding (`[B, time-embedding width]`) from pooled moments (``moments(_:)``).
    public func embedding(fromMoments moments: Tensor) -> Tensor { projection(features(fromMoments: moments)) }

    /// The head's damage estimate (`[B, DamageEstimate.count]`, in ``DamageEstimate``'s order) from pooled moments.
    public func damage(fromMoments moments: Tensor) -> Tensor { head(features(fromMoments: moments)) }

    /// The degradation embedding of each image of a batch (`[B, C, H, W]` → `[B, time-embedding width]`), with gradients.
    public func callAsFunction(_ image: Tensor) -> Tensor { embedding(fromMoments: moments(image)) }

    /// The embedding of one large image (`[1, C, H, W]`) computed over non-overlapping tiles of at most
    /// `tileSide`² pixels (``moments(of:tileSide:)``).
    public func embedding(of image: Tensor, tileSide: Int = 512) -> Tensor {
        embedding(fromMoments: moments(of: image, tileSide: tileSide))
    }

    /// The pooled moments of one large image (`[1, C, H, W]`) computed over non-overlapping tiles of at most
    /// `tileSide`² pixels, averaged by area, so that memory stays that of one tile. Equal to the whole image's
    /// except near the tiles' borders (each tile pads its own edges).
    public func moments(of image: Tensor, tileSide: Int = 512) -> Tensor {
        let (height, width) = (image.shape[2], image.shape[3])
        guard height * width > tileSide * tileSide else { return moments(image) }
        func starts(_ length: Int) -> [Int] { Array(stride(from: 0, to: length, by: tileSide)) }
        var sum = Tensor.zeros([image.shape[0], projection.weight.shape[1]])  // the moments' width, 2 · last width
        for top in starts(height) {
            for left in starts(width) {
                let tile = image.sliced(axis: 2, top..<min(top + tileSide, height))
                    .sliced(axis: 3, left..<min(left + tileSide, width))
                sum = sum + moments(tile) * Float(tile.shape[2] * tile.shape[3])
            }
        }
        return sum * (1 / Float(height * width))
    }
}

/// What a ``DegradationEncoder``'s head estimates about the damage an image carries, and the targets it is trained
/// on, read from a training pair and the record of the pipeline that made it (``DegradationRecord``, whose names are
/// DACLIP-IR's degradation words).
public struct DamageEstimate: Sendable, Equatable {
    /// Number of components: four presences, the damage level and the detail change.
    public static let count = 6

    /// Presence (0 or 1, estimated as a likelihood) of DACLIP-IR's four degradations: blur, ringing artefacts,
    /// noise, JPEG blocks.
    public var blur: Float, ringing: Float, noise: Float, jpeg: Float
    /// How damaged: (log10(MSE(LQ, GT) + 1e-5) + 5) / 5, 0 for a clean pair, 1 at an MSE of 1.
    public var level: Float
    /// What happened to fine detail: log10 of the GT's mean squared luma gradient over the LQ's, clamped to
    /// [−1, 1]; positive where detail was lost (blur), negative where some was added (noise, blocks, ringing).
    public var detail: Float

    public init(blur: Float, ringing: Float, noise: Float, jpeg: Float, level: Float, detail: Float) {
        (self.blur, self.ringing, self.noise, self.jpeg, self.level, self.detail) = (blur, ringing, noise, jpeg, level, detail)
    }

    /// The components in the head's order.
    public var components: [Float] { [blur, ringing, noise, jpeg, level, detail] }

    /// Components in the head's order (`values.count == count`).
    public init(components values: [Float]) {
        self.init(blur: values[0], ringing: values[1], noise: values[2], jpeg: values[3], level: values[4], detail: values[5])
    }
}
