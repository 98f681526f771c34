import Foundation
import Parallelism

// SoftmaxKernel and log-softmax over one axis, numerically stable (the maximum is subtracted before exp).
//
// The tensor is seen as (outer, n, inner) around the axis. For the last axis (inner = 1) every row is contiguous
// and handled on its own; otherwise a block of up to `columns` neighbouring inner positions is processed
// together, so the loops over the block run along contiguous memory.

extension Tensor {
    /// e^x / Σ e^x along `axis`, PyTorch `F.softmax(x, dim=axis)`.
    public func softmax(axis: Int = -1) -> Tensor { SoftmaxKernel.apply(self, axis: axis, log: false) }

    /// x − log Σ e^x along `axis`, PyTorch `F.log_softmax(x, dim=axis)`.
    public func logSoftmax(axis: Int = -1) -> Tensor { SoftmaxKernel.apply(self, axis: axis, log: true) }
}

enum SoftmaxKernel {
    /// Inner positions processed together on a strided axis.
    static let columns = 64

    static func apply(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        let a = ShapeRules.axis(axis, rank: x.rank, log ? "logSoftmax" : "softmax")
        let n = x.rank == 0 ? 1 : x.shape[a]
        let outer = x.rank == 0 ? 1 : Array(x.shape[..<a]).elementCount
        let inner = x.rank == 0 ? 1 : Array(x.shape[(a + 1)...]).elementCount
        let y = Tensor.filled(x.shape) { out in
            forward(x.storage.pointer, out.baseAddress!, outer: outer, n: n, inner: inner, log: log)
        }
        let saved = y.detached()  // not y: its record would hold itself (a cycle that leaks an unused graph)
        return Tensor.record(log ? "log_softmax" : "softmax", inputs: [x], result: y) { g in
            [Tensor.filled(x.shape) { out in
                backward(g.storage.pointer, saved.storage.pointer, out.baseAddress!, outer: outer, n: n, inner: inner, log: log)
            }]
        }
    }

    /// Work units: rows for the last axis, (outer, column block) pairs otherwise.
    private static func units(outer: Int, inner: Int) -> (count: Int, blocksPerOuter: Int) {
        if inner == 1 { return (outer, 1) }
        let blocks = (inner + columns - 1) / columns
        return (outer * blocks, blocks)
    }

    static func forward(_ xp: UnsafePointer<Float>, _ yp: UnsafeMutablePointer<Float>, outer: Int, n: Int, inner: Int, log: Bool) {
        let src = UncheckedSendableBox(xp), dst = UncheckedSendableBox(yp)
        let (count, blocksPerOuter) = units(outer: outer, inner: inner)
        let perUnit = n * Swift.min(inner, columns)
        EngineParallel.chunks(count, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(perUnit, 1))) { range in
            if inner == 1 {
                for row in range {
                    let x = src.value + row * n, y = dst.value + row * n
                    let m = Accumulation.maximum(x, n)
                    // The exponentials go to y first (a loop without a reduction vectorises), then are summed.
                    for k in 0..<n { y[k] = FastMath.exp(x[k] - m) }
                    let s = Float(Accumulation.sum(y, n))
                    if log {
                        let shift = m + Foundation.log(s)
                        for k in 0..<n { y[k] = x[k] - shift }
                    } else {
                        let r = 1 / s
                        for k in 0..<n { y[k] *= r }
                    }
                }
                return
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * columns) { scratch in
                let m = scratch.baseAddress!, s = m + columns
                for unit in range {
                    let o = unit / blocksPerOuter, c0 = (unit % blocksPerOuter) * columns
                    let width = Swift.min(columns, inner - c0)
                    let x = src.value + o * n * inner + c0, y = dst.value + o * n * inner + c0
                    for j in 0..<width { m[j] = -.infinity; s[j] = 0 }
                    for k in 0..<n {
                        let row = x + k * inner
                        for j in 0..<width { m[j] = Swift.max(m[j], row[j]) }
                    }
                    for k in 0..<n {
                        let row = x + k * inner, out = y + k * inner
                        for j in 0..<width { let e = FastMath.exp(row[j] - m[j]); s[j] += e; if !log { out[j] = e } }
                    }
                    if log {
                        for j in 0..<width { m[j] += Foundation.log(s[j]) }
                        for k in 0..<n {
                            let row = x + k * inner, out = y + k * inner
                            for j in 0..<width { out[j] = row[j] - m[j] }
                        }
                    } else {
                        for j in 0..<width { s[j] = 1 / s[j] }
                        for k in 0..<n {
                            let out = y + k * inner
                            for j in 0..<width { out[j] *= s[j] }
                        }
                    }
                }
            }
        }
    }

    /// softmax: gx = y·(g − Σ g·y); log-softmax: gx = g − e^y·Σ g.
    static func backward(_ gp: UnsafePointer<Float>, _ yp: UnsafePointer<Float>, _ gxp: UnsafeMutablePointer<Float>,
                         outer: Int, n: Int, inner: Int, log: Bool) {
        let up = UncheckedSendableBox(gp), saved = UncheckedSendableBox(yp), dst = UncheckedSendableBox(gxp)
        let (count, blocksPerOuter) = units(outer: outer, inner: inner)
        let perUnit = n * Swift.min(inner, columns)
        EngineParallel.chunks(count, minimumPerChunk: Swift.max(1, Elementwise.grain / Swift.max(perUnit, 1))) { range in
            if inner == 1 {
                for row in range {
                    let g = up.value + row * n, y = saved.value + row * n, gx = dst.value + row * n
                    if log {
                        let total = Float(Accumulation.sum(g, n))
                        for k in 0..<n { gx[k] = g[k] - FastMath.exp(y[k]) * total }
                    } else {
                        let dot = Float(Accumulation.centredDot(g, y, n, around: 0))
                        for k in 0..<n { gx[k] = y[k] * (g[k] - dot) }
                    }
                }
                return
            }
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { scratch in
                let t = scratch.baseAddress!
                for unit in range {
                    let o = unit / blocksPerOuter, c0 = (unit % blocksPerOuter) * columns
                    let width = Swift.min(columns, inner - c0)
                    let base = o * n * inner + c0
                    let g = up.value + base, y = saved.value + base, gx = dst.value + base
                    for j in 0..<width { t[j] = 0 }
                    for k in 0..<n {
                        let gr = g + k * inner, yr = y + k * inner
                        if log { for j in 0..<width { t[j] += gr[j] } } else { for j in 0..<width { t[j] += gr[j] * yr[j] } }
                    }
                    for k in 0..<n {
                        let gr = g + k * inner, yr = y + k * inner, out = gx + k * inner
                        if log {
                            for j in 0..<width { out[j] = gr[j] - FastMath.exp(yr[j]) * t[j] }
                        } else {
                            for j in 0..<width { out[j] = yr[j] * (gr[j] - t[j]) }
                        }
                    }
                }
            }
        }
    }
}
