/// A grid of captioned thumbnails — what a person looks at to see what a pipeline or a model does.
public enum ContactSheet {
    /// One picture and its caption.
    public struct Tile: Sendable {
        public let image: Image
        public let caption: String
        public init(image: Image, caption: String) {
            self.image = image
            self.caption = caption
        }
    }

    /// Tiles of `tileSize` pixels (pictures fitted inside, aspect kept; small ones enlarged with nearest so
    /// pixels stay visible), `columns` per row, each with up to `captionLines` wrapped caption lines beneath,
    /// on a dark background.
    public static func render(_ tiles: [Tile], columns: Int = 4, tileSize: Int = 256, captionLines: Int = 3,
                              renderer: TextRenderer) throws -> Image {
        guard !tiles.isEmpty, columns > 0, tileSize > 0 else {
            throw ImagingError.invalidParameter("a contact sheet needs tiles, columns and a tile size")
        }
        let gap = 8, band = captionLines * renderer.lineHeight + gap
        let cols = min(columns, tiles.count), rows = (tiles.count + cols - 1) / cols
        let (w, h) = (cols * (tileSize + gap) + gap, rows * (tileSize + band + gap) + gap)
        var sheet = try Image(width: w, height: h, channels: 3, filledWith: 0.12)
        for (i, tile) in tiles.enumerated() {
            let (x0, y0) = (gap + (i % cols) * (tileSize + gap), gap + (i / cols) * (tileSize + band + gap))
            let picture = tile.image.opaqueRGB
            let fit = min(Double(tileSize) / Double(picture.width), Double(tileSize) / Double(picture.height))
            let (tw, th) = (max(1, Int(Double(picture.width) * fit)), max(1, Int(Double(picture.height) * fit)))
            let thumb = try picture.resized(width: tw, height: th, filter: fit < 1 ? .area : .nearest).clamped
            let (ox, oy) = (x0 + (tileSize - tw) / 2, y0 + (tileSize - th) / 2)
            for c in 0..<3 { for y in 0..<th { for x in 0..<tw { sheet[c, oy + y, ox + x] = thumb[c, y, x] } } }
            for (line, text) in renderer.wrap(tile.caption, maxWidth: tileSize).prefix(captionLines).enumerated() {
                renderer.draw(text, into: &sheet, x: x0, y: y0 + tileSize + 4 + line * renderer.lineHeight, colour: [0.95, 0.95, 0.95])
            }
        }
        return sheet
    }
}
