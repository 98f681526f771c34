import Foundation

// Fixed (non-learned) embeddings.

extension Tensor {
    /// The diffusion time embedding of the IR-SDE U-Net (`SinusoidalPosEmb` in DA-CLIP's `module_util.py`): with
    /// half = dim / 2 frequencies fₖ = exp(−k·log(10000)/(half − 1)), row b is [sin(t_b·fₖ)…, cos(t_b·fₖ)…],
    /// shape `[B, 2·half]` for timesteps of shape `[B]`. Forward only: timesteps never need a gradient.
    ///
    /// The phases are computed in Double and rounded once, so large timesteps (t·f up to 1000 rad) lose no more
    /// than Float rounding of the result.
    public static func sinusoidalEmbedding(timesteps: Tensor, dim: Int) -> Tensor {
        precondition(timesteps.rank == 1, "sinusoidalEmbedding: timesteps \(timesteps.shape) must be a vector [B]")
        let half = dim / 2
        precondition(half >= 2, "sinusoidalEmbedding: dim \(dim) needs at least two frequencies")
        let step = Foundation.log(10000.0) / Double(half - 1)
        let frequencies = (0..<half).map { Foundation.exp(-Double($0) * step) }
        let batch = timesteps.count
        return Tensor.filled([batch, 2 * half]) { out in
            for b in 0..<batch {
                let t = Double(timesteps.storage.pointer[b])
                for k in 0..<half {
                    let phase = t * frequencies[k]
                    out[b * 2 * half + k] = Float(Foundation.sin(phase))
                    out[b * 2 * half + half + k] = Float(Foundation.cos(phase))
                }
            }
        }
    }

    /// `sinusoidalEmbedding(timesteps:dim:)` for timesteps given as numbers.
    public static func sinusoidalEmbedding(timesteps: [Float], dim: Int) -> Tensor {
        sinusoidalEmbedding(timesteps: Tensor(shape: [timesteps.count], values: timesteps), dim: dim)
    }
}
