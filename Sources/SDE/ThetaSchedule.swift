import Configuration
import Foundation

/// The schedule of the mean-reversion rate θ_t of IR-SDE (`IRSDE._initialize` in the official `sde_utils.py`).
public enum ThetaSchedule: String, Codable, Sendable, NamedOption {
    /// The cosine schedule (Nichol & Dhariwal 2021) with s = 0.008, truncated at both ends: θ_t = 1 − ᾱ_{t+1}/ᾱ_0
    /// over T + 2 steps, keeping indices 1…T + 1.
    case cosine
    /// Linearly spaced θ from 1000/(T+1)·1e-4 to 1000/(T+1)·0.02 over T + 1 values.
    case linear
    /// θ_t = 1.
    case constant

    /// θ_0 … θ_T (T + 1 values), computed in single precision as the reference does.
    func thetas(steps: Int) -> [Float] {
        switch self {
        case .constant:
            return [Float](repeating: 1, count: steps + 1)
        case .linear:
            let n = steps + 1
            let scale = Float(1000) / Float(n)
            let start = scale * 0.0001, end = scale * 0.02
            return Self.linspace(start, end, n)
        case .cosine:
            let timesteps = steps + 2
            let x = Self.linspace(0, Float(timesteps), timesteps + 1)
            let s: Float = 0.008
            let alphas = x.map { v -> Float in
                let c = Float(Foundation.cos(Double(((v / Float(timesteps)) + s) / (1 + s) * Float.pi * 0.5)))
                return c * c
            }
            let normalised = alphas.map { $0 / alphas[0] }
            return Array(normalised[1..<(normalised.count - 1)].map { 1 - $0 })
        }
    }

    /// `torch.linspace` in single precision: start + i·step for the first half, end − (n−1−i)·step for the rest.
    static func linspace(_ start: Float, _ end: Float, _ count: Int) -> [Float] {
        guard count > 1 else { return [start] }
        let step = (end - start) / Float(count - 1)
        let half = count / 2
        return (0..<count).map { i in i < half ? start + step * Float(i) : end - step * Float(count - 1 - i) }
    }
}
