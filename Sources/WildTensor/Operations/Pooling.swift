import Parallelism

// 2-D max pooling of NCHW tensors (PyTorch `F.max_pool2d`, floor mode), forward and backward together. Forward runs
// over planes (one channel of one image each); backward scatters each output gradient to the input element that won
// its window, within that element's plane, so no two threads write the same gradient element.

extension Tensor {
    /// The largest value of every `kernel` window taken every `stride` pixels, PyTorch
    /// `F.max_pool2d(x, kernel, stride, padding, dilation=1, ceil_mode=False)` (`nn.MaxPool2d` of torchvision's
    /// AlexNet and VGG).
    ///
    /// - Parameters:
    ///   - kernel: window height and width (≥ 1).
    ///   - stride: step between windows (≥ 1; PyTorch's default is the kernel).
    ///   - padding: implicit −∞ rows above and below, columns left and right (each at most half the kernel, as
    ///     PyTorch requires).
    /// - Returns: `[N, C, H', W']` with `H' = ⌊(H + 2·padding − kernel) / stride⌋ + 1` (likewise `W'`).
    ///
    /// As PyTorch, the first largest element of a window (row-major order) wins ties and receives the gradient, and
    /// a NaN wins over any number (the last NaN of the window). Input shapes that leave no window stop with a precondition message.
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0)) -> Tensor {
        precondition(rank == 4, "maxPool2d: input \(shape) is not NCHW")
        precondition(kernel.0 >= 1 && kernel.1 >= 1 && stride.0 >= 1 && stride.1 >= 1,
                     "maxPool2d: kernel \(kernel) and stride \(stride) must be ≥ 1")
        precondition(padding.0 >= 0 && padding.1 >= 0 && 2 * padding.0 <= kernel.0 && 2 * padding.1 <= kernel.1,
                     "maxPool2d: padding \(padding) must lie in 0 … kernel / 2 for kernel \(kernel)")
        let (height, width) = (shape[2], shape[3])
        precondition(height + 2 * padding.0 >= kernel.0 && width + 2 * padding.1 >= kernel.1,
                     "maxPool2d: kernel \(kernel) larger than the padded input \(shape)")
        let geometry = PoolingGeometry(height: height, width: width, kernel: kernel, stride: stride, padding: padding)
        let planes = shape[0] * shape[1]
        let x = self
        let tracked = GradMode.isEnabled && isTracked
        // The winner of every window, as an index into its plane; kept only when backward will need it.
        var winners: [Int32] = tracked ? [Int32](repeating: 0, count: planes * geometry.outputCount) : []
        let result = Tensor.filled([shape[0], shape[1], geometry.outHeight, geometry.outWidth]) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            winners.withUnsafeMutableBufferPointer { indices in
                // An empty array's buffer may still have a base address: no winners are written unless tracked.
                let found = UncheckedSendableBox(tracked ? indices.baseAddress : nil)
                EngineParallel.chunks(planes, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(geometry.outputCount * 4, 1))) { range in
                    guard found.value == nil && geometry.padding == (0, 0) else {
                        for plane in range {
                            geometry.forward(src.value + plane * height * width, into: dst.value + plane * geometry.outputCount,
                                             winners: found.value.map { $0 + plane * geometry.outputCount })
                        }
                        return
                    }
                    let rowMaxima = UnsafeMutablePointer<Float>.allocate(capacity: width)
                    defer { rowMaxima.deallocate() }
                    for plane in range {
                        geometry.forwardUnpadded(src.value + plane * height * width, into: dst.value + plane * geometry.outputCount,
                                                 rowMaxima: rowMaxima)
                    }
                }
            }
        }
        guard tracked else { return result }
        let saved = winners
        return Tensor.record("max_pool2d", inputs: [x], result: result) { g in
            [Tensor.filled(x.shape) { gx in
                let up = UncheckedSendableBox(g.storage.pointer), dst = UncheckedSendableBox(gx.baseAddress!)
                saved.withUnsafeBufferPointer { indices in
                    let found = UncheckedSendableBox(indices.baseAddress!)
                    EngineParallel.chunks(planes, minimumPerChunk: 1) { range in
                        for plane in range {
                            let o = dst.value + plane * height * width
                            o.update(repeating: 0, count: height * width)
                            let gy = up.value + plane * geometry.outputCount, w = found.value + plane * geometry.outputCount
                            for k in 0..<geometry.outputCount { o[Int(w[k])] += gy[k] }
                        }
                    }
                }
            }]
        }
    }
}

/// The windows of a 2-D pooling over one plane.
struct PoolingGeometry {
    let height: Int, width: Int
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    var outHeight: Int { (height + 2 * padding.0 - kernel.0) / stride.0 + 1 }
    var outWidth: Int { (width + 2 * padding.1 - kernel.1) / stride.1 + 1 }
    var outputCount: Int { outHeight * outWidth }

    /// The maximum of every window of `input` into `output`, and the winner's index when `winners` is given.
    func forward(_ input: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
                 winners: UnsafeMutablePointer<Int32>?) {
        for oy in 0..<outHeight {
            let top = oy * stride.0 - padding.0
            let rows = Swift.max(top, 0)..<Swift.min(top + kernel.0, height)
            for ox in 0..<outWidth {
                let left = ox * stride.1 - padding.1
                let columns = Swift.max(left, 0)..<Swift.min(left + kernel.1, width)
                // PyTorch's rule: start at the window's first element with −∞, replace on a larger value or a NaN
                // (so the last NaN of a window wins, and no number replaces a NaN).
                var best = -Float.infinity, index = rows.lowerBound * width + columns.lowerBound
                for y in rows {
                    let row = input + y * width
                    for x in columns {
                        let v = row[x]
                        if v > best || v.isNaN { best = v; index = y * width + x }
                    }
                }
                output[oy * outWidth + ox] = best
                winners?[oy * outWidth + ox] = Int32(index)
            }
        }
    }

    /// The maxima of `forward` without winners or padding, for inference: each output row first takes the
    /// element-wise maximum of its window's input rows (`rowMaxima`, `width` floats; a loop the compiler
    /// vectorises), then the maxima along that row. Same values as `forward`, NaN included (a window with a NaN
    /// gives NaN); only which of two equal zeros of different sign wins may differ.
    func forwardUnpadded(_ input: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>,
                         rowMaxima: UnsafeMutablePointer<Float>) {
        for oy in 0..<outHeight {
            let top = input + oy * stride.0 * width
            rowMaxima.update(from: top, count: width)
            for y in 1..<kernel.0 {
                let row = top + y * width
                for x in 0..<width {
                    let v = row[x], best = rowMaxima[x]
                    rowMaxima[x] = v > best || v.isNaN ? v : best
                }
            }
            let out = output + oy * outWidth
            for ox in 0..<outWidth {
                let window = rowMaxima + ox * stride.1
                var best = window[0]
                for j in 1..<kernel.1 where window[j] > best || window[j].isNaN { best = window[j] }
                out[ox] = best
            }
        }
    }
}
