import Imaging

/// How a large image is cut into overlapping tiles and blended back: tiles of at most `tileSize` pixels per side,
/// neighbours overlapping by `overlap`, each tile's weight ramping linearly from 0 to 1 across the overlap so the
/// seams disappear and memory stays bounded by one tile.
public struct TilePlan: Equatable, Sendable {
    /// A tile's position in the image.
    public struct Tile: Equatable, Sendable {
        public let x: Int, y: Int, width: Int, height: Int
    }

    public let width: Int
    public let height: Int
    public let tiles: [Tile]
    public let overlap: Int

    /// Plans tiles for a `width`×`height` image (a single tile when it fits).
    public init(width: Int, height: Int, tileSize: Int, overlap: Int) {
        self.width = width
        self.height = height
        let overlap = max(0, min(overlap, tileSize / 2))
        self.overlap = overlap
        func starts(_ length: Int) -> [Int] {
            guard length > tileSize else { return [0] }
            let stride = tileSize - overlap
            var positions = Array(Swift.stride(from: 0, to: length - tileSize, by: stride))
            positions.append(length - tileSize)
            return positions
        }
        var tiles: [Tile] = []
        for y in starts(height) {
            for x in starts(width) {
                tiles.append(Tile(x: x, y: y, width: min(tileSize, width - x), height: min(tileSize, height - y)))
            }
        }
        self.tiles = tiles
    }

    /// The blending weight of pixel (px, py) inside `tile`: a linear ramp over the overlap on every side that
    /// has a neighbour (never zero, so every pixel is covered).
    public func weight(_ tile: Tile, _ px: Int, _ py: Int) -> Float {
        guard overlap > 0 else { return 1 }
        func ramp(_ position: Int, _ length: Int, hasBefore: Bool, hasAfter: Bool) -> Float {
            var w: Float = 1
            if hasBefore { w = min(w, Float(position + 1) / Float(overlap + 1)) }
            if hasAfter { w = min(w, Float(length - position) / Float(overlap + 1)) }
            return w
        }
        return ramp(px, tile.width, hasBefore: tile.x > 0, hasAfter: tile.x + tile.width < width)
            * ramp(py, tile.height, hasBefore: tile.y > 0, hasAfter: tile.y + tile.height < height)
    }

    /// Runs `restoreTile` on every tile of `image` (tiles cropped from it, in order) and blends the results
    /// with the ramp weights; the result has `image`'s size and channel count.
    public func blend(_ image: Image, _ restoreTile: (_ tile: Image, _ index: Int) throws -> Image) throws -> Image {
        let plane = width * height
        var accumulated = [Float](repeating: 0, count: image.channels * plane)
        var weights = [Float](repeating: 0, count: plane)
        for (index, tile) in tiles.enumerated() {
            let crop = try image.cropped(x: tile.x, y: tile.y, width: tile.width, height: tile.height)
            let restored = try restoreTile(crop, index)
            guard restored.width == tile.width, restored.height == tile.height, restored.channels == image.channels else {
                throw ImagingError.invalidParameter("a restored tile changed size or channel count")
            }
            for y in 0..<tile.height {
                for x in 0..<tile.width {
                    let w = weight(tile, x, y)
                    let target = (tile.y + y) * width + tile.x + x
                    weights[target] += w
                    for c in 0..<image.channels {
                        accumulated[c * plane + target] += w * restored.samples[(c * tile.height + y) * tile.width + x]
                    }
                }
            }
        }
        for c in 0..<image.channels {
            for i in 0..<plane { accumulated[c * plane + i] /= weights[i] }
        }
        return try Image(width: width, height: height, channels: image.channels, samples: accumulated)
    }
}
