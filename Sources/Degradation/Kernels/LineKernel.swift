/// Linear motion blur of DACLIP-IR's `random_degrade` (after pyblur): a one-pixel line through the centre of a
/// `size × size` kernel at one of 2·size − 2 discrete angles, rasterised, normalised by its pixel count.
public enum LineKernel {
    /// The line end points (row₀, col₀, row₁, col₁) for each discrete angle index, in pyblur's order
    /// (angle = index · 180° / (2·size − 2)).
    public static func anchors(size: Int) -> [[Int]] {
        let n = size, a = (n - 1) / 2, b = (n + 1) / 2
        var lines: [[Int]] = []
        for i in a..<n { lines.append([i, 0, n - 1 - i, n - 1]) }
        for j in 1..<b { lines.append([n - 1, j, 0, n - 1 - j]) }
        for j in b..<n { lines.append([0, n - 1 - j, n - 1, j]) }
        for i in 1..<a { lines.append([i, 0, n - 1 - i, n - 1]) }
        return lines
    }

    /// The kernel whose angle (degrees) is nearest to `angle` among the ⌊size/2⌋·4 valid angles
    /// (`numpy.linspace(0, 180, 4·⌊size/2⌋, endpoint=False)`), as the official `line_kernel` snaps it.
    /// - Throws: ``DegradationError/invalidKernel(_:)`` for an even size or a size below 3.
    public static func kernel(size: Int, angle: Double) throws -> BlurKernel {
        guard size >= 3, size % 2 == 1 else { throw DegradationError.invalidKernel("line kernel size must be odd and ≥ 3, got \(size)") }
        let count = (size / 2) * 4
        let valid = (0..<count).map { 180 * Double($0) / Double(count) }
        let wrapped = angle.truncatingRemainder(dividingBy: 180)
        let nearest = valid.indices.min { abs(valid[$0] - wrapped) < abs(valid[$1] - wrapped) } ?? 0
        // The dictionary is keyed by multiples of 180/(2n − 2); the snapped angle names one of its entries.
        let unit = 180 / Double(2 * size - 2)
        let index = Int((valid[nearest] / unit).rounded())
        let lines = anchors(size: size)
        let line = lines[min(index, lines.count - 1)]
        var weights = [Double](repeating: 0, count: size * size)
        for (r, c) in rasterise(r0: line[0], c0: line[1], r1: line[2], c1: line[3]) { weights[r * size + c] = 1 }
        let total = weights.reduce(0, +)
        return BlurKernel(uncheckedSize: size, weights: weights.map { $0 / total })
    }

    /// The pixels of a line from (r0, c0) to (r1, c1), as scikit-image `draw.line` (Bresenham) sets them.
    static func rasterise(r0: Int, c0: Int, r1: Int, c1: Int) -> [(Int, Int)] {
        var (r, c) = (r0, c0)
        let steep = abs(r1 - r0) > abs(c1 - c0)
        var (dr, dc) = (abs(r1 - r0), abs(c1 - c0))
        var (sr, sc) = (r1 - r0 > 0 ? 1 : -1, c1 - c0 > 0 ? 1 : -1)
        if steep {
            swap(&r, &c); swap(&dr, &dc); swap(&sr, &sc)
        }
        var d = 2 * dr - dc
        var points: [(Int, Int)] = []
        for _ in 0..<dc {
            points.append(steep ? (c, r) : (r, c))
            while d >= 0 {
                r += sr
                d -= 2 * dc
            }
            c += sc
            d += 2 * dr
        }
        points.append((r1, c1))
        return points
    }
}
