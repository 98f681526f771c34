import Imaging

/// Unsharp masking as Real-ESRGAN sharpens its ground truth (BasicSR `USMSharp`): blur with a 51-tap Gaussian
/// (σ from OpenCV's rule for σ = 0: 0.3·((k − 1)/2 − 1) + 0.8 = 8), residual r = img − blur, hard mask |r|·255 > 10
/// softened by the same blur, out = m·clip(img + 0.5·r) + (1 − m)·img.
public enum UnsharpMask {
    /// The sharpened image (colour channels; values stay in [0, 1]).
    public static func apply(_ image: Image, weight: Float = 0.5, radius: Int = 50, threshold: Float = 10) throws -> Image {
        let size = radius % 2 == 0 ? radius + 1 : radius
        let sigma = 0.3 * (Double(size - 1) * 0.5 - 1) + 0.8
        let kernel = try GaussianKernels.isotropic(size: size, sigma: sigma)
        let blurred = image.filtered(by: kernel)
        var mask = image
        for i in mask.samples.indices { mask.samples[i] = abs(image.samples[i] - blurred.samples[i]) * 255 > threshold ? 1 : 0 }
        let soft = mask.filtered(by: kernel)
        var out = image
        for i in out.samples.indices {
            let residual = image.samples[i] - blurred.samples[i]
            let sharp = min(max(image.samples[i] + weight * residual, 0), 1)
            out.samples[i] = soft.samples[i] * sharp + (1 - soft.samples[i]) * image.samples[i]
        }
        return out
    }
}
