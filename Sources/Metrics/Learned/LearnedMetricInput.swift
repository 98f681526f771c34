import Imaging
import WildTensor

/// The two images a learned metric compares, checked and laid out as one `[2, 3, H, W]` batch (restored first):
/// RGB with alpha dropped and gray repeated to R = G = B, as lpips's and DISTS's loaders (`convert('RGB')`) give it.
struct LearnedMetricInput {
    let restored: Image
    let reference: Image

    /// - Throws: ``MetricsError/sizeMismatch(restored:reference:)`` unless both images have the same width and
    ///   height (the networks compare position by position; nothing is resized), and
    ///   ``MetricsError/imageTooSmall(width:height:minimum:)`` when a side is below `minimumSide`.
    init(restored: Image, reference: Image, minimumSide: Int, metric: String) throws {
        guard restored.width == reference.width, restored.height == reference.height else {
            throw MetricsError.sizeMismatch(restored: "\(restored.width)×\(restored.height)", reference: "\(reference.width)×\(reference.height)")
        }
        guard restored.width >= minimumSide, restored.height >= minimumSide else {
            throw MetricsError.imageTooSmall(width: restored.width, height: restored.height,
                                             minimum: "\(minimumSide)×\(minimumSide) pixels (\(metric))")
        }
        self.restored = restored.opaqueRGB
        self.reference = reference.opaqueRGB
    }

    /// The batch with `transform(value, channel)` applied to every sample.
    func batch(_ transform: (Float, Int) -> Float) -> Tensor {
        let plane = restored.planeSize
        var values = [Float](repeating: 0, count: 6 * plane)
        for (n, image) in [restored, reference].enumerated() {
            image.samples.withUnsafeBufferPointer { samples in
                for c in 0..<3 {
                    let offset = (3 * n + c) * plane
                    for i in 0..<plane { values[offset + i] = transform(samples[c * plane + i], c) }
                }
            }
        }
        return Tensor(shape: [2, 3, restored.height, restored.width], values: values)
    }
}
