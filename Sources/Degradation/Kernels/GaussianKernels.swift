/// The Gaussian family of blur kernels of Real-ESRGAN (BasicSR `degradations.py`), also used by DACLIP-IR's
/// `random_degrade`: on the grid x, y ∈ {−⌊k/2⌋, …, ⌊k/2⌋}, with Σ = R(θ)·diag(σx², σy²)·R(θ)ᵀ and
/// d = [x y]·Σ⁻¹·[x y]ᵀ, the weights are
/// - Gaussian: exp(−d/2),
/// - generalized Gaussian: exp(−½·d^β),
/// - plateau: 1/(1 + d^β),
/// each normalised to sum 1. Isotropic kernels use σy = σx and θ = 0.
public enum GaussianKernels {
    /// The shape of a Gaussian-family kernel.
    public enum Shape: Sendable, Equatable {
        case gaussian
        case generalized(beta: Double)
        case plateau(beta: Double)
    }

    /// A kernel of `size` (odd) with standard deviations `sigmaX`, `sigmaY` (> 0) rotated by `theta` radians.
    /// - Throws: ``DegradationError/invalidKernel(_:)`` for an even size or non-positive σ or β.
    public static func kernel(size: Int, sigmaX: Double, sigmaY: Double, theta: Double,
                              shape: Shape = .gaussian) throws -> BlurKernel {
        guard size > 0, size % 2 == 1 else { throw DegradationError.invalidKernel("kernel size must be odd, got \(size)") }
        guard sigmaX > 0, sigmaY > 0 else { throw DegradationError.invalidKernel("σ must be positive, got \(sigmaX), \(sigmaY)") }
        // Σ = U·D·Uᵀ and its inverse (closed form for 2×2).
        let (c, s) = (cos(theta), sin(theta))
        let (a, d) = (sigmaX * sigmaX, sigmaY * sigmaY)
        let s00 = c * c * a + s * s * d, s01 = c * s * a - s * c * d, s11 = s * s * a + c * c * d
        let det = s00 * s11 - s01 * s01
        let (i00, i01, i11) = (s11 / det, -s01 / det, s00 / det)
        let half = size / 2
        var weights = [Double](repeating: 0, count: size * size)
        for row in 0..<size {
            let y = Double(row - half)
            for column in 0..<size {
                let x = Double(column - half)
                let distance = x * x * i00 + 2 * x * y * i01 + y * y * i11
                switch shape {
                case .gaussian:
                    weights[row * size + column] = exp(-0.5 * distance)
                case let .generalized(beta):
                    guard beta > 0 else { throw DegradationError.invalidKernel("β must be positive, got \(beta)") }
                    weights[row * size + column] = exp(-0.5 * pow(distance, beta))
                case let .plateau(beta):
                    guard beta > 0 else { throw DegradationError.invalidKernel("β must be positive, got \(beta)") }
                    weights[row * size + column] = 1 / (pow(distance, beta) + 1)
                }
            }
        }
        return BlurKernel(uncheckedSize: size, weights: weights).normalised
    }

    /// An isotropic kernel (σy = σx, θ = 0).
    public static func isotropic(size: Int, sigma: Double, shape: Shape = .gaussian) throws -> BlurKernel {
        try kernel(size: size, sigmaX: sigma, sigmaY: sigma, theta: 0, shape: shape)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
