/// The taps of a 1-D resampling: for output index i, `indices[i·taps + k]` (already clamped or mirrored into the
/// source) and `weights[i·taps + k]`. Unused taps carry weight 0 and repeat the output's last index, so that the
/// source rows an output needs stay a narrow range (the strip resize reads exactly that range).
struct AxisWeights {
    let outputSize: Int
    let taps: Int
    var indices: [Int32]
    var weights: [Float]

    init(outputSize: Int, taps: Int) {
        self.outputSize = outputSize
        self.taps = taps
        indices = [Int32](repeating: 0, count: outputSize * taps)
        weights = [Float](repeating: 0, count: outputSize * taps)
    }

    /// Builds a table from per-output lists of (source index, weight).
    init(_ contributions: [[(Int, Double)]]) {
        let taps = max(1, contributions.map(\.count).max() ?? 1)
        self.init(outputSize: contributions.count, taps: taps)
        for (i, list) in contributions.enumerated() {
            for (k, (index, weight)) in list.enumerated() {
                indices[i * taps + k] = Int32(index)
                weights[i * taps + k] = Float(weight)
            }
            for k in list.count..<taps { indices[i * taps + k] = Int32(list.last?.0 ?? 0) }
        }
    }

    /// The weights for resizing `inputSize` → `outputSize` with `filter`; `scale` is source pixels per output pixel
    /// (OpenCV's `1/fx`, MATLAB's `1/scale`).
    static func make(filter: ResizeFilter, inputSize: Int, outputSize: Int, scale: Double, areaUpscale: Bool) -> AxisWeights {
        switch filter {
        case .nearest: return nearest(inputSize, outputSize, scale)
        case .bilinear: return linear(inputSize, outputSize, scale)
        case .bicubic: return cubic(inputSize, outputSize, scale)
        case .area: return areaUpscale ? areaLinear(inputSize, outputSize, scale) : area(inputSize, outputSize, scale)
        case .matlabBicubic: return matlab(inputSize, outputSize, scale)
        case .adaptiveAverage: return adaptiveAverage(inputSize, outputSize)
        }
    }

    /// PyTorch `adaptive_avg_pool`: output i averages source ⌊i·n/m⌋ ..< ⌈(i+1)·n/m⌉ with equal weights (the
    /// size ratio, not a scale factor, decides the windows).
    static func adaptiveAverage(_ n: Int, _ m: Int) -> AxisWeights {
        AxisWeights((0..<m).map { i in
            let start = i * n / m, end = ((i + 1) * n + m - 1) / m
            return (start..<end).map { ($0, 1 / Double(end - start)) }
        })
    }

    /// OpenCV INTER_NEAREST: `min(⌊x · scale⌋, n − 1)`.
    static func nearest(_ n: Int, _ m: Int, _ scale: Double) -> AxisWeights {
        var table = AxisWeights(outputSize: m, taps: 1)
        for x in 0..<m {
            table.indices[x] = Int32(min(Int((Double(x) * scale).rounded(.down)), n - 1))
            table.weights[x] = 1
        }
        return table
    }

    /// OpenCV INTER_LINEAR: `f = (x + ½)·scale − ½`, two taps, weights clamped to the edge pixel at the borders.
    static func linear(_ n: Int, _ m: Int, _ scale: Double) -> AxisWeights {
        twoTap(n, m) { x in
            let f = (Double(x) + 0.5) * scale - 0.5
            let s = Int(f.rounded(.down))
            return (s, Float(f - Double(s)))
        }
    }

    /// A two-tap table from each output's left source index `s` and fraction `t`, with OpenCV's border rule:
    /// left of the image or at/after the last pixel, the edge pixel is taken whole.
    static func twoTap(_ n: Int, _ m: Int, _ position: (Int) -> (Int, Float)) -> AxisWeights {
        var table = AxisWeights(outputSize: m, taps: 2)
        for x in 0..<m {
            var (s, t) = position(x)
            if s < 0 { s = 0; t = 0 }
            if s >= n - 1 { s = n - 1; t = 0 }
            table.indices[2 * x] = Int32(s)
            table.indices[2 * x + 1] = Int32(min(s + 1, n - 1))
            table.weights[2 * x] = 1 - t
            table.weights[2 * x + 1] = t
        }
        return table
    }

    /// OpenCV INTER_CUBIC: Keys cubic with a = −0.75 at `f = (x + ½)·scale − ½`, border replicate.
    static func cubic(_ n: Int, _ m: Int, _ scale: Double) -> AxisWeights {
        let a: Float = -0.75
        var table = AxisWeights(outputSize: m, taps: 4)
        for x in 0..<m {
            let f = (Double(x) + 0.5) * scale - 0.5
            let s = Int(f.rounded(.down))
            let t = Float(f - Double(s))
            // OpenCV's interpolateCubic: w0..w2 in closed form, w3 = 1 − w0 − w1 − w2.
            let w0 = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a
            let w1 = ((a + 2) * t - (a + 3)) * t * t + 1
            let w2 = ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1
            let w = [w0, w1, w2, 1 - w0 - w1 - w2]
            for k in 0..<4 {
                table.indices[4 * x + k] = Int32(min(max(s - 1 + k, 0), n - 1))
                table.weights[4 * x + k] = w[k]
            }
        }
        return table
    }

    /// OpenCV INTER_AREA when shrinking: each output pixel averages the source area it covers
    /// (`computeResizeAreaTab`, fractional coverage at both ends).
    static func area(_ n: Int, _ m: Int, _ scale: Double) -> AxisWeights {
        var lists: [[(Int, Double)]] = []
        lists.reserveCapacity(m)
        for x in 0..<m {
            let start = Double(x) * scale, end = start + scale
            let cell = min(scale, Double(n) - start)
            var first = Int(start.rounded(.up))
            let last = min(Int(end.rounded(.down)), n - 1)
            first = min(first, last)
            var list: [(Int, Double)] = []
            if Double(first) - start > 1e-3 { list.append((first - 1, (Double(first) - start) / cell)) }
            for s in first..<last { list.append((s, 1 / cell)) }
            if end - Double(last) > 1e-3 { list.append((last, min(min(end - Double(last), 1), cell) / cell)) }
            lists.append(list)
        }
        return AxisWeights(lists)
    }

    /// OpenCV INTER_AREA when enlarging: bilinear with area-derived fractions,
    /// `s = ⌊x·scale⌋`, `t = (x + 1) − (s + 1)/scale`, `t ≤ 0 → 0` else its fractional part.
    static func areaLinear(_ n: Int, _ m: Int, _ scale: Double) -> AxisWeights {
        let inverse = 1 / scale
        return twoTap(n, m) { x in
            let s = Int((Double(x) * scale).rounded(.down))
            let t = Float(Double(x + 1) - Double(s + 1) * inverse)
            return (s, t <= 0 ? 0 : t - t.rounded(.down))
        }
    }

    /// MATLAB imresize bicubic: cubic a = −0.5 (`1.5|x|³ − 2.5|x|² + 1` on |x| ≤ 1,
    /// `−0.5|x|³ + 2.5|x|² − 4|x| + 2` on 1 < |x| ≤ 2), widened by `scale` when shrinking, centres
    /// `u = x/s + ½(1 − 1/s)` (1-based, s = output/input), weights normalised, symmetric borders.
    static func matlab(_ n: Int, _ m: Int, _ scale: Double) -> AxisWeights {
        let s = 1 / scale  // MATLAB's scale: output per input
        let antialias = s < 1
        let width = antialias ? 4 / s : 4
        func cubic(_ x: Double) -> Double {
            let a = abs(x), a2 = a * a, a3 = a2 * a
            if a <= 1 { return 1.5 * a3 - 2.5 * a2 + 1 }
            if a <= 2 { return -0.5 * a3 + 2.5 * a2 - 4 * a + 2 }
            return 0
        }
        let taps = Int(width.rounded(.up)) + 2
        var lists: [[(Int, Double)]] = []
        lists.reserveCapacity(m)
        for x in 1...m {
            let u = Double(x) / s + 0.5 * (1 - 1 / s)
            let left = Int((u - width / 2).rounded(.down))
            var list: [(Int, Double)] = []
            var total = 0.0
            for k in 0..<taps {
                let j = left + k
                let w = antialias ? s * cubic(s * (u - Double(j))) : cubic(u - Double(j))
                total += w
                list.append((BorderIndex.symmetric(j - 1, n), w))
            }
            lists.append(list.filter { $0.1 != 0 }.map { ($0.0, $0.1 / total) })
        }
        return AxisWeights(lists)
    }
}
