import Parallelism

// Spatial padding of the last two axes (PyTorch `F.pad(x, (left, right, top, bottom), mode)`).
//
// Every output pixel reads one input pixel or the constant: the column and row sources are tabulated once, the
// interior of each row is a plain copy and only the borders go through the table. Backward adds each output
// gradient into its source; in reflect and replicate modes several outputs share a source, so the gradient is
// accumulated plane by plane (one thread per plane, no shared writes).

extension Tensor {
    /// How `padded(left:right:top:bottom:mode:)` fills the border.
    public enum PaddingMode: Sendable, Equatable {
        /// Zeros (PyTorch `mode='constant'`, value 0).
        case zeros
        /// A constant value (PyTorch `mode='constant', value=v`).
        case constant(Float)
        /// Mirror without repeating the edge: …, x2, x1 | x0, x1, x2, … (PyTorch `mode='reflect'`); each pad must
        /// be smaller than the axis it extends.
        case reflect
        /// Repeat the edge pixel (PyTorch `mode='replicate'`).
        case replicate
    }

    /// Pads the last two axes (W by `left`, `right`; H by `top`, `bottom`), PyTorch
    /// `F.pad(x, (left, right, top, bottom), mode=…)` on NCHW (any rank ≥ 2: leading axes are planes).
    public func padded(left: Int, right: Int, top: Int, bottom: Int, mode: PaddingMode = .zeros) -> Tensor {
        precondition(rank >= 2, "padded: input \(shape) needs two spatial axes")
        precondition(left >= 0 && right >= 0 && top >= 0 && bottom >= 0, "padded: negative padding (\(left), \(right), \(top), \(bottom))")
        let height = shape[rank - 2], width = shape[rank - 1]
        if mode == .reflect {
            precondition(left < width && right < width && top < height && bottom < height,
                         "padded: reflect padding (\(left), \(right), \(top), \(bottom)) must be smaller than the input "
                            + "\(height)×\(width)")
        }
        if mode == .replicate || mode == .reflect {
            precondition(height > 0 && width > 0, "padded: cannot \(mode) an empty \(height)×\(width) input")
        }
        if left == 0 && right == 0 && top == 0 && bottom == 0 { return self }
        let outHeight = height + top + bottom, outWidth = width + left + right
        let planes = count / Swift.max(height * width, 1)
        let rowSource = PaddingKernel.sources(length: height, before: top, after: bottom, mode: mode)
        let columnSource = PaddingKernel.sources(length: width, before: left, after: right, mode: mode)
        let fill: Float = if case let .constant(v) = mode { v } else { 0 }
        let x = self
        let result = Tensor.filled(Array(shape.dropLast(2)) + [outHeight, outWidth]) { out in
            let src = UncheckedSendableBox(x.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
            rowSource.withUnsafeBufferPointer { rb in
                columnSource.withUnsafeBufferPointer { cb in
                    let rows = UncheckedSendableBox(rb.baseAddress!), columns = UncheckedSendableBox(cb.baseAddress!)
                    EngineParallel.chunks(planes * outHeight, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(outWidth, 1))) { range in
                        for row in range {
                            let plane = row / outHeight, sourceRow = rows.value[row % outHeight]
                            let o = dst.value + row * outWidth
                            guard sourceRow >= 0 else { o.update(repeating: fill, count: outWidth); continue }
                            let s = src.value + (plane * height + sourceRow) * width
                            for j in 0..<left { let k = columns.value[j]; o[j] = k >= 0 ? s[k] : fill }
                            (o + left).update(from: s, count: width)
                            for j in (left + width)..<outWidth { let k = columns.value[j]; o[j] = k >= 0 ? s[k] : fill }
                        }
                    }
                }
            }
        }
        let constant: Bool = switch mode { case .zeros, .constant: true; default: false }
        return Tensor.record("pad", inputs: [x], result: result) { g in
            [Tensor.filled(x.shape) { out in
                let up = UncheckedSendableBox(g.storage.pointer), dst = UncheckedSendableBox(out.baseAddress!)
                if constant {
                    // Each input pixel has exactly one output: copy the interior back.
                    EngineParallel.chunks(planes * height, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(width, 1))) { range in
                        for row in range {
                            let plane = row / height, r = row % height
                            (dst.value + row * width).update(from: up.value + (plane * outHeight + r + top) * outWidth + left, count: width)
                        }
                    }
                    return
                }
                rowSource.withUnsafeBufferPointer { rb in
                    columnSource.withUnsafeBufferPointer { cb in
                        let rows = UncheckedSendableBox(rb.baseAddress!), columns = UncheckedSendableBox(cb.baseAddress!)
                        let perChunk = Swift.max(1, Elementwise.grain / Swift.max(outHeight * outWidth, 1))
                        EngineParallel.chunks(planes, minimumPerChunk: perChunk) { range in
                            for plane in range {
                                let gx = dst.value + plane * height * width
                                gx.update(repeating: 0, count: height * width)
                                for i in 0..<outHeight {
                                    let target = gx + rows.value[i] * width, gr = up.value + (plane * outHeight + i) * outWidth
                                    for j in 0..<left { target[columns.value[j]] += gr[j] }
                                    let interior = gr + left
                                    for j in 0..<width { target[j] += interior[j] }
                                    for j in (left + width)..<outWidth { target[columns.value[j]] += gr[j] }
                                }
                            }
                        }
                    }
                }
            }]
        }
    }
}

enum PaddingKernel {
    /// For each padded index along an axis of `length`, the source index, or −1 for the constant.
    static func sources(length: Int, before: Int, after: Int, mode: Tensor.PaddingMode) -> [Int] {
        (0..<(length + before + after)).map { padded in
            let i = padded - before
            if i >= 0 && i < length { return i }
            switch mode {
            case .zeros, .constant: return -1
            case .replicate: return Swift.min(Swift.max(i, 0), length - 1)
            case .reflect: return i < 0 ? -i : 2 * (length - 1) - i
            }
        }
    }
}
