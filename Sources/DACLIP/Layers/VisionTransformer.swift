import WildTensor

/// CLIP's image tower, OpenCLIP `VisionTransformer` (Dosovitskiy et al. 2021; Radford et al. 2021) as DA-CLIP
/// configures it: patch embedding by `conv1` (kernel = stride = patch, no bias), a learned `class_embedding`
/// token in front, `positional_embedding` added, `ln_pre`, the trunk's blocks, then `ln_post` of the class token
/// and the projection `proj` `[W, embed]` (no bias): `features = ln_post(x[:, 0])·proj`.
///
/// `Trunk` is ``Transformer`` for CLIP's tower (`clip.visual`) and ``ControlTransformer`` for DA-CLIP's controller
/// (`visual_control`), whose blocks then sit at `transformer.transformer.resblocks.{i}`.
public final class VisionTransformer<Trunk: VisionTrunk>: Module {
    public let classEmbedding: Tensor
    public let positionalEmbedding: Tensor
    public let proj: Tensor
    public let conv1: Conv2d
    public let lnPre: LayerNorm
    public let transformer: Trunk
    public let lnPost: LayerNorm
    /// The tower's hyper-parameters.
    public let configuration: CLIPConfiguration.Vision

    /// A tower of `configuration` over `trunk`, projecting to `embedDim`; embeddings are drawn N(0, 1/W) as OpenCLIP.
    public init(_ configuration: CLIPConfiguration.Vision, embedDim: Int, trunk: Trunk, generator: inout TensorRandom) {
        let width = configuration.width, scale = 1 / Float(width).squareRoot()
        func parameter(_ shape: [Int]) -> Tensor {
            let t = generator.normal(shape) * scale
            t.requiresGrad = true
            return t
        }
        classEmbedding = parameter([width])
        positionalEmbedding = parameter([configuration.tokenCount, width])
        proj = parameter([width, embedDim])
        conv1 = Conv2d(3, width, kernelSize: configuration.patchSize, stride: configuration.patchSize, bias: false,
                       generator: &generator)
        lnPre = LayerNorm(width, eps: 1e-5)
        transformer = trunk
        lnPost = LayerNorm(width, eps: 1e-5)
        self.configuration = configuration
    }

    /// Checks that `pixels` is a batch the tower takes: `[B ≥ 1, 3, image_size, image_size]`.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` naming the expected shape.
    public func check(_ pixels: Tensor) throws {
        let side = configuration.imageSize
        guard pixels.rank == 4, pixels.shape[0] >= 1, pixels.shape[1] == 3, pixels.shape[2] == side, pixels.shape[3] == side else {
            throw DACLIPError.invalidInput("images must be a tensor [B, 3, \(side), \(side)] (preprocessed as CLIP expects), got \(pixels.shape)")
        }
    }

    /// The token sequence `[B, 1 + grid², W]` after the patch and class embeddings, positions and `ln_pre`.
    public func embed(_ pixels: Tensor) -> Tensor {
        let b = pixels.shape[0], width = configuration.width
        let tokens = patchEmbedding(pixels)                                  // [B, g², W]
        let grid = tokens.shape[1]
        precondition(grid + 1 == configuration.tokenCount, "VisionTransformer: \(grid) patches for \(configuration.tokenCount) positions")
        let cls = classEmbedding.reshaped([1, 1, width]).broadcast(to: [b, 1, width])
        return lnPre(Tensor.concatenate([cls, tokens], axis: 1) + positionalEmbedding)
    }

    /// `conv1` of the pixels as tokens `[B, g², W]` (OpenCLIP's `conv1(x).reshape(B, W, -1).permute(0, 2, 1)`).
    ///
    /// The kernel equals the stride, so the patches do not overlap: when the side is a multiple of the patch size the
    /// convolution is one matrix product of the patches, each flattened in the weight's (channel, row, column)
    /// order, with the weight read as `[W, 3·p·p]` in place. That avoids the convolution primitive's per-call reorder
    /// of a weight laid out for 32 × 32 kernels, which alone took longer than the product (ViT-B-32).
    func patchEmbedding(_ pixels: Tensor) -> Tensor {
        let (b, channels, side) = (pixels.shape[0], pixels.shape[1], pixels.shape[2])
        let p = configuration.patchSize, width = configuration.width
        guard side % p == 0, pixels.shape[3] == side else {
            let map = conv1(pixels)                                          // [B, W, g, g]
            return map.reshaped([b, width, map.shape[2] * map.shape[3]]).permuted([0, 2, 1])
        }
        let g = side / p
        // [B·C, g, p, g, p] → [g (rows), g (columns), B·C, p, p] → per patch and batch item C·p·p values.
        let rows = pixels.reshaped([b * channels, g, p, g, p]).permuted([1, 3, 0, 2, 4]).reshaped([g * g, b, channels * p * p])
        let patches = b == 1 ? rows.reshaped([1, g * g, channels * p * p]) : rows.permuted([1, 0, 2])  // [B, g², C·p·p]
        return patches.linear(weight: conv1.weight.reshaped([width, channels * p * p]), bias: conv1.bias)
    }

    /// The pooled, projected feature `[B, embed]` of final tokens `[B, L, W]`: `ln_post(x[:, 0])·proj`.
    public func pool(_ tokens: Tensor) -> Tensor {
        let (b, width) = (tokens.shape[0], tokens.shape[2])
        return lnPost(tokens.sliced(axis: 1, 0..<1).reshaped([b, width])).matmul(proj)
    }

    /// The features `[B, embed]` of preprocessed images `[B, 3, S, S]` (checked with ``check(_:)`` by callers), with
    /// `residuals[i]` `[B, L, W]` added after block i when given, and the controls the trunk records.
    public func callAsFunction(_ pixels: Tensor, adding residuals: [Tensor]? = nil) -> (features: Tensor, controls: [Tensor]) {
        let (output, controls) = transformer.encode(embed(pixels), adding: residuals)
        return (pool(output), controls)
    }
}
