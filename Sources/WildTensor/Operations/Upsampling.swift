import Foundation
import Parallelism

// Spatial upsampling of NCHW tensors (PyTorch `F.interpolate`): nearest by an integer factor, and bilinear.
// Forward loops run over output rows of all planes; backward gathers (nearest) or scatters within one plane
// (bilinear), so no two threads ever write the same gradient element.

extension Tensor {
    /// Repeats every pixel `scale`×`scale` times, PyTorch `F.interpolate(x, scale_factor=scale, mode='nearest')`
    /// (`nn.Upsample(scale_factor=2)` of the U-Net's decoder).
    public func upsampledNearest(scale: Int = 2) -> Tensor {
        precondition(rank == 4, "upsampledNearest: input \(shape) is not NCHW")
        precondition(scale >= 1, "upsampledNearest: scale \(scale) must be a positive integer")
        let height = shape[2], width = shape[3], outWidth = width * scale
        let rows = shape[0] * shape[1] * height
        let x = self
        let result = Tensor.filled([shape[0], shape[1], height * scale, outWidth]) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(outWidth * scale, 1))) { range in
                for row in range {
                    // Input row `row` becomes output rows row·scale ..< (row + 1)·scale.
                    let s = src.value + row * width, first = dst.value + row * scale * outWidth
                    if scale == 2 {
                        for j in 0..<width { let v = s[j]; first[2 * j] = v; first[2 * j + 1] = v }
                    } else {
                        for j in 0..<width { for t in 0..<scale { first[j * scale + t] = s[j] } }
                    }
                    for copy in 1..<scale { (first + copy * outWidth).update(from: first, count: outWidth) }
                }
            }
        }
        return Tensor.record("upsample_nearest", inputs: [x], result: result) { g in
            [Tensor.filled(x.shape) { out in
                let up = UncheckedSendableBox(g.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
                EngineParallel.chunks(rows, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(outWidth * scale, 1))) { range in
                    for row in range {
                        let o = dst.value + row * width, first = up.value + row * scale * outWidth
                        if scale == 2 {
                            let second = first + outWidth
                            for j in 0..<width { o[j] = (first[2 * j] + first[2 * j + 1]) + (second[2 * j] + second[2 * j + 1]) }
                        } else {
                            for j in 0..<width { o[j] = 0 }
                            for copy in 0..<scale {
                                let r = first + copy * outWidth
                                for j in 0..<width { for t in 0..<scale { o[j] += r[j * scale + t] } }
                            }
                        }
                    }
                }
            }]
        }
    }

    /// BilinearTaps resampling by `scale` (output size ⌊size·scale⌋), PyTorch
    /// `F.interpolate(x, scale_factor=scale, mode='bilinear', align_corners=alignCorners)`.
    ///
    /// As PyTorch does when given a scale factor, source coordinates use 1/scale (not input/output size) unless
    /// `alignCorners`, where the corner pixels of input and output coincide.
    public func upsampledBilinear(scale: Double = 2, alignCorners: Bool = false) -> Tensor {
        precondition(rank == 4, "upsampledBilinear: input \(shape) is not NCHW")
        precondition(scale > 0, "upsampledBilinear: scale \(scale) must be positive")
        let height = shape[2], width = shape[3]
        let outHeight = Int((Double(height) * scale).rounded(.down)), outWidth = Int((Double(width) * scale).rounded(.down))
        precondition(outHeight > 0 && outWidth > 0, "upsampledBilinear: \(shape) × \(scale) is empty")
        let ys = BilinearTaps.taps(input: height, output: outHeight, ratio: 1 / scale, alignCorners: alignCorners)
        let xs = BilinearTaps.taps(input: width, output: outWidth, ratio: 1 / scale, alignCorners: alignCorners)
        return resampledBilinear(ys: ys, xs: xs)
    }

    /// Bilinear resampling to `height`×`width`, PyTorch `F.interpolate(x, size=(height, width), mode='bilinear',
    /// align_corners=alignCorners, antialias=False)`: the source coordinate uses input/output size per axis (what
    /// PyTorch does when given a size), so downsampling reads the two nearest pixels only (no antialiasing).
    public func resizedBilinear(height outHeight: Int, width outWidth: Int, alignCorners: Bool = false) -> Tensor {
        precondition(rank == 4, "resizedBilinear: input \(shape) is not NCHW")
        precondition(outHeight > 0 && outWidth > 0, "resizedBilinear: output size \(outHeight)×\(outWidth) is empty")
        let height = shape[2], width = shape[3]
        let ys = BilinearTaps.taps(input: height, output: outHeight, ratio: Double(height) / Double(outHeight), alignCorners: alignCorners)
        let xs = BilinearTaps.taps(input: width, output: outWidth, ratio: Double(width) / Double(outWidth), alignCorners: alignCorners)
        return resampledBilinear(ys: ys, xs: xs)
    }

    /// The bilinear kernel of both entry points: output row i reads rows `ys[i]`, column j columns `xs[j]`.
    private func resampledBilinear(ys: [BilinearTaps.Tap], xs: [BilinearTaps.Tap]) -> Tensor {
        let height = shape[2], width = shape[3], outHeight = ys.count, outWidth = xs.count
        let planes = shape[0] * shape[1], x = self
        let result = Tensor.filled([shape[0], shape[1], outHeight, outWidth]) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            ys.withUnsafeBufferPointer { yb in
                xs.withUnsafeBufferPointer { xb in
                    let ty = UncheckedSendableBox(yb.baseAddress!), tx = UncheckedSendableBox(xb.baseAddress!)
                    EngineParallel.chunks(planes * outHeight, minimumPerChunk: Swift.max(1, Elementwise.grain / (4 * outWidth))) { range in
                        for row in range {
                            let plane = row / outHeight, y = ty.value[row % outHeight]
                            let r0 = src.value + (plane * height + y.i0) * width, r1 = src.value + (plane * height + y.i1) * width
                            let o = dst.value + row * outWidth
                            for j in 0..<outWidth {
                                let t = tx.value[j]
                                let top = t.w0 * r0[t.i0] + t.w1 * r0[t.i1], bottom = t.w0 * r1[t.i0] + t.w1 * r1[t.i1]
                                o[j] = y.w0 * top + y.w1 * bottom
                            }
                        }
                    }
                }
            }
        }
        return Tensor.record("upsample_bilinear", inputs: [x], result: result) { g in
            [Tensor.filled(x.shape) { out in
                let up = UncheckedSendableBox(g.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
                ys.withUnsafeBufferPointer { yb in
                    xs.withUnsafeBufferPointer { xb in
                        let ty = UncheckedSendableBox(yb.baseAddress!), tx = UncheckedSendableBox(xb.baseAddress!)
                        EngineParallel.chunks(planes, minimumPerChunk: Swift.max(1, Elementwise.grain / (4 * outHeight * outWidth))) { range in
                            for plane in range {
                                let gx = dst.value + plane * height * width
                                gx.update(repeating: 0, count: height * width)
                                for oy in 0..<outHeight {
                                    let y = ty.value[oy], gr = up.value + (plane * outHeight + oy) * outWidth
                                    let r0 = gx + y.i0 * width, r1 = gx + y.i1 * width
                                    for j in 0..<outWidth {
                                        let t = tx.value[j], v = gr[j]
                                        let top = y.w0 * v, bottom = y.w1 * v
                                        r0[t.i0] += t.w0 * top
                                        r0[t.i1] += t.w1 * top
                                        r1[t.i0] += t.w0 * bottom
                                        r1[t.i1] += t.w1 * bottom
                                    }
                                }
                            }
                        }
                    }
                }
            }]
        }
    }
}

/// Source taps of linear interpolation along one axis.
enum BilinearTaps {
    /// The two source indices and weights of one output index.
    struct Tap {
        var i0: Int, i1: Int
        var w0: Float, w1: Float
    }

    /// PyTorch's `area_pixel_compute_source_index` for linear modes: with `alignCorners` the source of output i is
    /// i·(in − 1)/(out − 1); otherwise (i + ½)·ratio − ½, clamped at 0, where `ratio` is 1/scale for a scale factor
    /// and in/out for a size. The right tap is clamped to the last index.
    static func taps(input: Int, output: Int, ratio sizeRatio: Double, alignCorners: Bool) -> [Tap] {
        let ratio: Double = alignCorners ? (output > 1 ? Double(input - 1) / Double(output - 1) : 0) : sizeRatio
        return (0..<output).map { i in
            let source = alignCorners ? ratio * Double(i) : Swift.max(ratio * (Double(i) + 0.5) - 0.5, 0)
            let i0 = Swift.min(Int(source), input - 1)
            let i1 = i0 < input - 1 ? i0 + 1 : i0
            let lambda = Float(Swift.min(source - Double(i0), 1))
            return Tap(i0: i0, i1: i1, w0: 1 - lambda, w1: lambda)
        }
    }
}
