import Foundation
import WildTensor

/// Latent tiles with blended overlaps (the official pipeline's tiled path, `pipeline_bim.py:1010-1184`, from
/// SeeSR/MultiDiffusion): a large latent is split into overlapping square tiles, the noise of each tile is predicted
/// on its own, and the predictions are averaged with Gaussian weights that fall off towards each tile's edges, so the
/// seams do not show. The scheduler then steps the whole latent.
public struct LatentTiling: Sendable, Equatable {
    /// Tile side in latent pixels (64 = 512 image pixels, SSP-IR's training size).
    public var side: Int
    /// Overlap of neighbouring tiles in latent pixels.
    public var overlap: Int

    public init(side: Int = 64, overlap: Int = 8) {
        self.side = side
        self.overlap = overlap
    }

    /// The tile origins along an axis of `length`: every `side − overlap`, the last one flush with the end.
    public func origins(_ length: Int) -> [Int] {
        guard length > side else { return [0] }
        let stride = max(side - overlap, 1)
        var starts = Array(Swift.stride(from: 0, to: length - side, by: stride))
        starts.append(length - side)
        return starts
    }

    /// The official tile weights: a separable Gaussian of variance 0.01 in units of the tile's side, centred on the
    /// tile (`_gaussian_weights`: exp(−(x − (s − 1)/2)² / s² / 0.02) / √(0.02π) per axis).
    public static func weights(height: Int, width: Int) -> [Float] {
        func axis(_ n: Int) -> [Double] {
            let middle = Double(n - 1) / 2, variance = 0.01
            return (0..<n).map { exp(-(Double($0) - middle) * (Double($0) - middle) / Double(n * n) / (2 * variance)) / (2 * Double.pi * variance).squareRoot() }
        }
        let rows = axis(height), columns = axis(width)
        return rows.flatMap { r in columns.map { Float(r * $0) } }
    }

    /// The blended prediction `[B, C, H, W]` over `shape` from `predict(y, x, height, width)`, the prediction of the
    /// tile at that origin and size `[B, C, height, width]` (tiles are `side` wide, or the whole axis when it is
    /// shorter).
    public func blend(shape: [Int], predict: (Int, Int, Int, Int) throws -> Tensor) rethrows -> Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let tileHeight = min(side, height), tileWidth = min(side, width)
        let weights = Self.weights(height: tileHeight, width: tileWidth)
        var sum = [Float](repeating: 0, count: batch * channels * height * width)
        var total = [Float](repeating: 0, count: height * width)
        for y in origins(height) {
            for x in origins(width) {
                let tile = try predict(y, x, tileHeight, tileWidth).values
                for row in 0..<tileHeight {
                    for column in 0..<tileWidth {
                        let weight = weights[row * tileWidth + column], target = (y + row) * width + x + column
                        total[target] += weight
                        for plane in 0..<(batch * channels) {
                            sum[plane * height * width + target] += weight * tile[(plane * tileHeight + row) * tileWidth + column]
                        }
                    }
                }
            }
        }
        for plane in 0..<(batch * channels) {
            for i in 0..<(height * width) { sum[plane * height * width + i] /= total[i] }
        }
        return Tensor(shape: shape, values: sum)
    }
}
