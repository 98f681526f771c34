import CBLAS
import Parallelism
import WinogradTransforms

/// Inference convolutions with a 3×3 kernel and stride 1 by Winograd's minimal filtering F(2×2, 3×3) (Lavin &
/// Gray, CVPR 2016, §4.1): each 2×2 output tile costs 16 multiplications per input–output channel pair instead of
/// direct convolution's 36, so the U-Nets, VAEs and VGG trunks of this project, which are mostly such layers, run
/// in 2.25× fewer multiply-adds.
///
/// oneDNN runs every other convolution; its own Winograd kernels need AVX-512, which is why this one exists (the
/// transforms are C, `WinogradTransforms`; the 16 products per block of tiles are OpenBLAS GEMMs). Tiles, numbered
/// over (image, tile row, tile column), are taken in runs of up to 512 (`tilesPerBlock`), each thread transforming
/// its block, multiplying and transforming back while the block is still in cache. The filters are transformed on
/// every call, so there is nothing to keep in step with the weights, unless the network's frozen weights were
/// prepared once (``Module/prepareWinogradFilters()``, as the metric trunks do). The results differ from direct
/// convolution by rounding only (about 1e-6 relative to the output's largest value; `WinogradConvolutionTests`).
///
/// `WILDIR_CONV_ALGORITHM=direct` (or `auto`) turns it off, leaving every convolution to oneDNN.
enum WinogradConvolution {
    /// Whether the forward pass of `g` with `activation` runs here: a 3×3 kernel, stride 1, no groups, an
    /// activation that the output transform applies (none, ReLU, leaky ReLU), and a shape where it pays: at least
    /// `minimumChannels` channels on each side (with fewer, the transforms cost more than the products save) and at
    /// least half as many 2×2 output tiles as channels (with fewer, as in a 1,280-channel layer at 16², reading the
    /// transformed filters, 16/9 the size of the weights, costs more than the products save). Filters transformed
    /// beforehand (`prepared`, ``Module/prepareWinogradFilters()``) remove the per-call transform, and the path
    /// then pays from a quarter of that many tiles on (AlexNet's 15² layers of 192–384 channels in LPIPS:
    /// `Benchmarks/README.md`).
    static func applies(to g: ConvolutionGeometry, activation: FusedActivation?, prepared: Bool = false) -> Bool {
        let tiles = g.batch * ((g.outHeight + 1) / 2) * ((g.outWidth + 1) / 2)
        guard enabled, g.kernelH == 3, g.kernelW == 3, g.strideH == 1, g.strideW == 1, g.groups == 1,
              g.inChannels >= minimumChannels, g.outChannels >= minimumChannels,
              (prepared ? 8 : 2) * tiles >= max(g.inChannels, g.outChannels)
        else { return false }
        switch activation {
        case nil, .relu, .leakyReLU: return true
        default: return false
        }
    }

    /// Fewest input and output channels for which F(2×2, 3×3) pays (measured on this project's layer shapes: at 64
    /// channels it ties with oneDNN's direct convolution, at 128 it is 1.4× faster).
    static let minimumChannels = 128

    /// Off when `WILDIR_CONV_ALGORITHM` asks oneDNN for every convolution.
    static let enabled: Bool = {
        let asked = getEnvironment("WILDIR_CONV_ALGORITHM")
        return asked != "direct" && asked != "auto"
    }()

    /// Tiles per block: enough for efficient products (at least 64 columns), few enough that the block's
    /// transformed input and output (16 floats per tile and channel each) stay within a few MiB; and at least one
    /// block per thread.
    static func tilesPerBlock(_ g: ConvolutionGeometry, tiles: Int) -> Int {
        let target = max(64, min(512, (1 << 21) / (16 * max(g.inChannels, g.outChannels)) / 16 * 16))
        let blocks = max((tiles + target - 1) / target, min(EngineParallel.threadCount, tiles))
        return (tiles + blocks - 1) / blocks
    }

    /// The 16 transformed filter planes, `[16][outputs][inputs]`, of an OIHW 3×3 `weight` into `u`.
    static func transformFilters(_ weight: UnsafePointer<Float>, outputs: Int, inputs: Int, into u: UnsafeMutablePointer<Float>) {
        let filters = UncheckedSendableBox((weight, u))
        EngineParallel.chunks(outputs, minimumPerChunk: 8) { range in
            let (weight, u) = filters.value
            wir_winograd_filter(weight + range.lowerBound * inputs * 9, range.count, inputs, outputs, u + range.lowerBound * inputs)
        }
    }

    /// `activation(conv(x, weight) + bias)` of NCHW `x` into NCHW `y` (`g.destinationDims`), OIHW `weight`, whose
    /// transformed filters are `prepared` when given (``transformFilters(_:outputs:inputs:into:)``).
    static func forward(_ g: ConvolutionGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, prepared: UnsafePointer<Float>?,
                        bias: UnsafePointer<Float>?, activation: FusedActivation?, y: UnsafeMutablePointer<Float>) {
        let (inputs, outputs) = (g.inChannels, g.outChannels)
        guard let u = prepared else {
            // Scratch from the tensors' pool: the next call of the same shape gets the same pages back, where fresh
            // allocations of these sizes would be mapped and zeroed by the kernel on every call.
            let u = BufferPool.shared.take(16 * outputs * inputs)
            defer { BufferPool.shared.recycle(u, count: 16 * outputs * inputs) }
            transformFilters(weight, outputs: outputs, inputs: inputs, into: u)
            return forward(g, x: x, weight: weight, prepared: u, bias: bias, activation: activation, y: y)
        }
        _ = BLAS.configured
        let (rectify, slope): (Int32, Float) = switch activation {
        case .relu: (1, 0)
        case let .leakyReLU(negativeSlope): (1, negativeSlope)
        default: (0, 0)
        }
        // Tiles are numbered over (image, tile row, tile column); a block is a run of them, split into row segments.
        let (outHeight, outWidth) = (g.outHeight, g.outWidth)
        let tileRows = (outHeight + 1) / 2, tilesPerRow = (outWidth + 1) / 2
        let tiles = g.batch * tileRows * tilesPerRow
        let perBlock = tilesPerBlock(g, tiles: tiles), blocks = (tiles + perBlock - 1) / perBlock
        let boxes = UncheckedSendableBox((x, u, bias, y))
        EngineParallel.chunks(blocks, minimumPerChunk: 1) { range in
            let (x, u, bias, y) = boxes.value
            let pool = BufferPool.shared
            let (vCount, mCount, scratchCount) = (16 * inputs * perBlock, 16 * outputs * perBlock, 8 * (tilesPerRow + 1))
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
                    let top = 2 * tileRow - g.padTop, left = 2 * column - g.padLeft
                    for c in 0..<inputs {
                        wir_winograd_input(x + (n * inputs + c) * g.height * g.width, g.height, g.width, top, left, length,
                                           v + c * count + offset, inputs * count, scratch)
                    }
                }
                for xi in 0..<16 {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(outputs), blasint(count), blasint(inputs),
                                1, u + xi * outputs * inputs, blasint(inputs), v + xi * inputs * count, blasint(count),
                                0, m + xi * outputs * count, blasint(count))
                }
                segments { n, tileRow, column, length, offset in
                    let rows = Int32(min(2, outHeight - 2 * tileRow)), columns = outWidth - 2 * column
                    for k in 0..<outputs {
                        wir_winograd_output(m + k * count + offset, outputs * count, length, bias?[k] ?? 0, rectify, slope,
                                            y + ((n * outputs + k) * outHeight + 2 * tileRow) * outWidth + 2 * column,
                                            outWidth, rows, columns, scratch)
                    }
                }
            }
        }
    }
}

extension Module {
    /// Transforms once, for inference, the filters of every convolution weight that ``WinogradConvolution`` can take
    /// (3×3, at least `minimumChannels` channels each way), and keeps them beside the weight (16/9 its size), so
    /// that calls skip the transform. For networks whose weights no longer change, such as the metric trunks; a
    /// prepared weight that is modified later must be prepared again (``Tensor/assign(_:)`` drops the transforms).
    public func prepareWinogradFilters() {
        let minimum = WinogradConvolution.minimumChannels
        for weight in parameters() where weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3
            && weight.shape[0] >= minimum && weight.shape[1] >= minimum && weight.storage.winogradFilters == nil {
            let (outputs, inputs) = (weight.shape[0], weight.shape[1])
            let filters = TensorStorage(uninitializedCount: 16 * outputs * inputs)
            WinogradConvolution.transformFilters(weight.storage.pointer, outputs: outputs, inputs: inputs, into: filters.pointer)
            weight.storage.winogradFilters = filters
        }
    }
}
