/// The box and defocus (disk) kernels of DACLIP-IR's `random_degrade` (after pyblur).
public enum SimpleKernels {
    /// A uniform `size × size` box.
    public static func box(size: Int) throws -> BlurKernel {
        guard size > 0, size % 2 == 1 else { throw DegradationError.invalidKernel("kernel size must be odd, got \(size)") }
        return BlurKernel(uncheckedSize: size, weights: [Double](repeating: 1 / Double(size * size), count: size * size))
    }

    /// A uniform disk: the pixels strictly within radius ⌊size/2⌋ + 1 of the centre (scikit-image `draw.disk`),
    /// with the four corners removed for sizes 3 and 5, normalised by the number of pixels set.
    public static func defocus(size: Int) throws -> BlurKernel {
        guard size > 0, size % 2 == 1 else { throw DegradationError.invalidKernel("kernel size must be odd, got \(size)") }
        let centre = size / 2
        let radius = Double(centre + 1)
        var weights = [Double](repeating: 0, count: size * size)
        for y in 0..<size {
            for x in 0..<size {
                let (dy, dx) = (Double(y - centre), Double(x - centre))
                if dy * dy + dx * dx < radius * radius { weights[y * size + x] = 1 }
            }
        }
        if size == 3 || size == 5 {
            for corner in [0, size - 1, (size - 1) * size, size * size - 1] { weights[corner] = 0 }
        }
        let count = weights.reduce(0, +)
        return BlurKernel(uncheckedSize: size, weights: weights.map { $0 / count })
    }
}
