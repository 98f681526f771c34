import Parallelism
import WildTensor

/// The pooling branch of the FID Inception's A, C and E₁ blocks: a 3×3 average, stride 1, one row and column of
/// padding, that divides by the number of input pixels inside each window — PyTorch
/// `F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)`, pytorch-fid's patch for TensorFlow's
/// average pool, which ignores the padding (9 inside, 6 along an edge, 4 in a corner). The output has the input's size.
enum InceptionPooling {
    /// The pooled `[N, C, H, W]` of an `[N, C, H, W]` tensor (inference only: records nothing).
    static func averageExcludingPadding(_ x: Tensor) -> Tensor {
        let (planes, height, width) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        var output = [Float](repeating: 0, count: x.shape.reduce(1, *))
        x.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                let source = UncheckedSendableBox(input.baseAddress!), destination = UncheckedSendableBox(out.baseAddress!)
                parallelChunks(planes, minimumPerChunk: 8) { range in
                    for plane in range {
                        let p = source.value + plane * height * width, o = destination.value + plane * height * width
                        for y in 0..<height {
                            let rows = max(y - 1, 0)...min(y + 1, height - 1)
                            for column in 0..<width {
                                let columns = max(column - 1, 0)...min(column + 1, width - 1)
                                var sum: Float = 0
                                for r in rows { for c in columns { sum += p[r * width + c] } }
                                o[y * width + column] = sum / Float(rows.count * columns.count)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: x.shape, values: output)
    }
}
