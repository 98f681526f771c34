import CBLAS
import Parallelism
import WinogradTransforms

/// Inference convolutions with a 3×3 kernel and stride 1 by Winograd's minimal filtering (Lavin & Gray, CVPR 2016,
/// §4): F(2×2, 3×3) costs each 2×2 output tile 16 multiplications per input–output channel pair instead of direct
/// convolution's 36, so the U-Nets, VAEs and VGG trunks of this project, which are mostly such layers, run in 2.25×
/// fewer multiply-adds; F(4×4, 3×3), for filters prepared for it, 36 per 4×4 tile instead of 144 (``WinogradTile``).
///
/// oneDNN runs every other convolution; its own Winograd kernels need AVX-512, which is why this one exists (the
/// transforms are C, `WinogradTransforms`; the 16 or 36 products per block of tiles are OpenBLAS GEMMs). Tiles,
/// numbered over (image, tile row, tile column), are taken in runs of up to 512 (`tilesPerBlock`), each thread
/// transforming its block, multiplying and transforming back while the block is still in cache. The filters are
/// transformed on every call, so there is nothing to keep in step with the weights, unless the network's frozen
/// weights were prepared once (``Tensor/prepareWinogradFilters(tiles:)``, as the metric trunks and the FID
/// Inception do). The results differ from direct convolution by rounding only (F(2×2): about 1e-6 relative to the
/// output's largest value, F(4×4): below 1e-5, about ten times that; `WinogradConvolutionTests`).
///
/// `WILDIR_CONV_ALGORITHM=direct` (or `auto`) turns it off, leaving every convolution to oneDNN.
enum WinogradConvolution {
    /// Whether the forward pass of `g` with `activation` runs here: a 3×3 kernel, stride 1, no groups, an
    /// activation that the output transform applies (none, ReLU, leaky ReLU), and a shape where it pays: at least
    /// the tile's `minimumChannels` on each side (with fewer, the transforms cost more than the products save) and at
    /// least half as many 2×2 output tiles as channels (with fewer, as in a 1,280-channel layer at 16², reading the
    /// transformed filters, 16/9 the size of the weights, costs more than the products save). Filters transformed
    /// beforehand (`prepared`, ``Tensor/prepareWinogradFilters(tiles:)``) remove the per-call transform, and the path
    /// then pays from a quarter of that many tiles on (AlexNet's 15² layers of 192–384 channels in LPIPS:
    /// `Benchmarks/README.md`).
    static func applies(to g: ConvolutionGeometry, activation: FusedActivation?, prepared: WinogradTile? = nil) -> Bool {
        let tiles = g.batch * ((g.outHeight + 1) / 2) * ((g.outWidth + 1) / 2)
        guard enabled, g.kernelH == 3, g.kernelW == 3, g.strideH == 1, g.strideW == 1, g.groups == 1,
              g.inChannels >= (prepared ?? .f2x2).minimumChannels, g.outChannels >= (prepared ?? .f2x2).minimumChannels,
              (prepared == nil ? 2 : 8) * tiles >= max(g.inChannels, g.outChannels)
        else { return false }
        switch activation {
        case nil, .relu, .leakyReLU: return true
        default: return false
        }
    }

    /// The tile and filters the inference forward pass of `g` runs with here, or nil to leave it to oneDNN: F(4×4)
    /// when its filters are `prepared` and the call has at least `minimumF4x4Tiles` 4×4 output tiles, otherwise
    /// F(2×2) with its prepared filters, otherwise F(2×2) with filters transformed for the call (nil filters), each
    /// where ``applies(to:activation:prepared:)`` says it pays.
    static func plan(_ g: ConvolutionGeometry, activation: FusedActivation?, prepared: [WinogradTile: TensorStorage])
        -> (tile: WinogradTile, filters: UnsafePointer<Float>?)? {
        let quadTiles = g.batch * ((g.outHeight + 3) / 4) * ((g.outWidth + 3) / 4)
        if let filters = prepared[.f4x4], quadTiles >= minimumF4x4Tiles, applies(to: g, activation: activation, prepared: .f4x4) {
            return (.f4x4, UnsafePointer(filters.pointer))
        }
        if let filters = prepared[.f2x2], applies(to: g, activation: activation, prepared: .f2x2) {
            return (.f2x2, UnsafePointer(filters.pointer))
        }
        return applies(to: g, activation: activation) ? (.f2x2, nil) : nil
    }

    /// Fewest 4×4 output tiles per call for which F(4×4) beats F(2×2), both prepared: with fewer, its products are
    /// too narrow (AlexNet's 15² layers in LPIPS at 256², 32 tiles a pair, run 10 % slower with it and 7–20 % faster
    /// at 512², 128 tiles).
    static let minimumF4x4Tiles = 64

    /// Off when `WILDIR_CONV_ALGORITHM` asks oneDNN for every convolution.
    static let enabled: Bool = {
        let asked = getEnvironment("WILDIR_CONV_ALGORITHM")
        return asked != "direct" && asked != "auto"
    }()

    /// Tiles per block: enough for efficient products (at least 64 columns), few enough that the block's
    /// transformed input and output (`tile.planes` floats per tile and channel each) stay within a few MiB; and at
    /// least one block per thread.
    static func tilesPerBlock(_ g: ConvolutionGeometry, tile: WinogradTile, tiles: Int) -> Int {
        let target = max(64, min(512, (1 << 21) / (tile.planes * max(g.inChannels, g.outChannels)) / 16 * 16))
        let blocks = max((tiles + target - 1) / target, min(EngineParallel.threadCount, tiles))
        return (tiles + blocks - 1) / blocks
    }

    /// The transformed filter planes of `tile`, `[planes][outputs][inputs]`, of an OIHW 3×3 `weight` into `u`.
    static func transformFilters(_ weight: UnsafePointer<Float>, tile: WinogradTile, outputs: Int, inputs: Int,
                                 into u: UnsafeMutablePointer<Float>) {
        let filters = UncheckedSendableBox((weight, u))
        EngineParallel.chunks(outputs, minimumPerChunk: 8) { range in
            let (weight, u) = filters.value
            let (first, count) = (weight + range.lowerBound * inputs * 9, range.count)
            switch tile {
            case .f2x2: wir_winograd_filter(first, count, inputs, outputs, u + range.lowerBound * inputs)
            case .f4x4: wir_winograd43_filter(first, count, inputs, outputs, u + range.lowerBound * inputs)
            }
        }
    }

    /// `activation(conv(x, weight) + bias)` of NCHW `x` into NCHW `y` (`g.destinationDims`), OIHW `weight`, by the
    /// `prepared` filters' tile when given (``transformFilters(_:tile:outputs:inputs:into:)``), by F(2×2, 3×3) with
    /// filters transformed for this call otherwise (``plan(_:activation:prepared:)`` chooses).
    static func forward(_ g: ConvolutionGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                        prepared: (tile: WinogradTile, filters: UnsafePointer<Float>)?,
                        bias: UnsafePointer<Float>?, activation: FusedActivation?, y: UnsafeMutablePointer<Float>) {
        let (inputs, outputs) = (g.inChannels, g.outChannels)
        guard let (tile, u) = prepared else {
            // Scratch from the tensors' pool: the next call of the same shape gets the same pages back, where fresh
            // allocations of these sizes would be mapped and zeroed by the kernel on every call.
            let count = WinogradTile.f2x2.planes * outputs * inputs
            let u = BufferPool.shared.take(count)
            defer { BufferPool.shared.recycle(u, count: count) }
            transformFilters(weight, tile: .f2x2, outputs: outputs, inputs: inputs, into: u)
            return forward(g, x: x, weight: weight, prepared: (.f2x2, UnsafePointer(u)), bias: bias, activation: activation, y: y)
        }
        _ = BLAS.configured
        let (rectify, slope): (Int32, Float) = switch activation {
        case .relu: (1, 0)
        case let .leakyReLU(negativeSlope): (1, negativeSlope)
        default: (0, 0)
        }
        // Tiles are numbered over (image, tile row, tile column); a block is a run of them, split into row segments.
        let (outHeight, outWidth) = (g.outHeight, g.outWidth)
        let (size, planes) = (tile.outputSize, tile.planes)
        let tileRows = (outHeight + size - 1) / size, tilesPerRow = (outWidth + size - 1) / size
        let tiles = g.batch * tileRows * tilesPerRow
        let perBlock = tilesPerBlock(g, tile: tile, tiles: tiles), blocks = (tiles + perBlock - 1) / perBlock
        // The transforms' scratch (winograd_transforms.h) for the longest row segment.
        let scratchCount = switch tile {
        case .f2x2: 8 * (tilesPerRow + 1)
        case .f4x4: 4 * (tilesPerRow + 1) + 36 * tilesPerRow
        }
        let boxes = UncheckedSendableBox((x, u, bias, y))
        EngineParallel.chunks(blocks, minimumPerChunk: 1) { range in
            let (x, u, bias, y) = boxes.value
            let pool = BufferPool.shared
            let (vCount, mCount) = (planes * inputs * perBlock, planes * outputs * perBlock)
            let v = pool.take(vCount), m = pool.take(mCount), scratch = pool.take(scratchCount)
            defer { pool.recycle(v, count: vCount); pool.recycle(m, count: mCount); pool.recycle(scratch, count: scratchCount) }
            for block in range {
                let first = block * perBlock, count = min(perBlock, tiles - first)
                /// Calls `body(image, tile row, first tile column, tiles, offset in the block)` for each row segment.
                func segments(_ body: (Int, Int, Int, Int, Int) -> Void) {
                    var index = first
                    while index < first + count {
                        let row = index / tilesPerRow, column = index % tilesPerRow
                        let length = min(tilesPerRow - column, first + count - index)
                        body(row / tileRows, row % tileRows, column, length, index - first)
                        index += length
                    }
                }
                segments { n, tileRow, column, length, offset in
                    let top = size * tileRow - g.padTop, left = size * column - g.padLeft
                    for c in 0..<inputs {
                        let plane = x + (n * inputs + c) * g.height * g.width, v = v + c * count + offset
                        switch tile {
                        case .f2x2: wir_winograd_input(plane, g.height, g.width, top, left, length, v, inputs * count, scratch)
                        case .f4x4: wir_winograd43_input(plane, g.height, g.width, top, left, length, v, inputs * count, scratch)
                        }
                    }
                }
                for xi in 0..<planes {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(outputs), blasint(count), blasint(inputs),
                                1, u + xi * outputs * inputs, blasint(inputs), v + xi * inputs * count, blasint(count),
                                0, m + xi * outputs * count, blasint(count))
                }
                segments { n, tileRow, column, length, offset in
                    let rows = Int32(min(size, outHeight - size * tileRow)), columns = outWidth - size * column
                    for k in 0..<outputs {
                        let m = m + k * count + offset, b = bias?[k] ?? 0
                        let out = y + ((n * outputs + k) * outHeight + size * tileRow) * outWidth + size * column
                        switch tile {
                        case .f2x2: wir_winograd_output(m, outputs * count, length, b, rectify, slope, out, outWidth, rows, columns, scratch)
                        case .f4x4: wir_winograd43_output(m, outputs * count, length, b, rectify, slope, out, outWidth, rows, columns, scratch)
                        }
                    }
                }
            }
        }
    }
}
