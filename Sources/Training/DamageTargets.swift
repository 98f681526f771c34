import Degradation
import Foundation
import Imaging
import Models

extension DamageEstimate {
    /// The targets of a training pair: presences from the degradation names of the pipeline's record (none for a
    /// pair left clean), the damage level from MSE(LQ, GT), the detail change from the pair's mean squared
    /// full-range luma gradients (horizontal and vertical forward differences). Flips and transposes of the pair
    /// leave all of them unchanged, so they are computed on the augmented patches.
    public init(lq: Image, gt: Image, degradationNames names: [String]) {
        func present(_ name: String) -> Float { names.contains(name) ? 1 : 0 }
        let count = max(min(lq.samples.count, gt.samples.count), 1)
        var squared = 0.0
        for i in 0..<min(lq.samples.count, gt.samples.count) {
            let d = Double(lq.samples[i] - gt.samples[i])
            squared += d * d
        }
        let level = (log10(squared / Double(count) + 1e-5) + 5) / 5
        let detail = log10((Self.gradientEnergy(gt) + 1e-6) / (Self.gradientEnergy(lq) + 1e-6))
        self.init(blur: present(DegradationName.blur), ringing: present(DegradationName.ringing),
                  noise: present(DegradationName.noise), jpeg: present(DegradationName.jpeg),
                  level: Float(level), detail: Float(min(max(detail, -1), 1)))
    }

    /// The mean squared forward difference of the full-range luma, both directions pooled.
    static func gradientEnergy(_ image: Image) -> Double {
        let luma = image.fullRangeLuma, (w, h) = (luma.width, luma.height)
        var sum = 0.0, terms = 0
        luma.samples.withUnsafeBufferPointer { y in
            for row in 0..<h {
                for column in 0..<w {
                    let here = y[row * w + column]
                    if column + 1 < w { let d = Double(y[row * w + column + 1] - here); sum += d * d; terms += 1 }
                    if row + 1 < h { let d = Double(y[(row + 1) * w + column] - here); sum += d * d; terms += 1 }
                }
            }
        }
        return terms == 0 ? 0 : sum / Double(terms)
    }
}
