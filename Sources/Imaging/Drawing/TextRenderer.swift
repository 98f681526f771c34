import Parallelism
import CFreeType

/// Renders single-line or wrapped captions with FreeType into a coverage mask, for contact sheets and plots.
///
/// The font is DejaVu Sans from Debian's `fonts-dejavu-core` unless `WILDIR_FONT` names another TrueType file.
public final class TextRenderer {
    /// Line height in pixels.
    public let lineHeight: Int
    private var library: FT_Library?
    private var face: FT_Face?
    private let pixelSize: Int

    /// The default font file.
    public static var defaultFontPath: String {
        getEnvironment("WILDIR_FONT") ?? "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    }

    /// A renderer of `pixelSize`-pixel text with the font at `fontPath`.
    /// - Throws: ``ImagingError/fileAccess(path:reason:)`` when the font cannot be loaded.
    public init(pixelSize: Int = 14, fontPath: String = TextRenderer.defaultFontPath) throws {
        guard FT_Init_FreeType(&library) == 0, let library else {
            throw ImagingError.fileAccess(path: fontPath, reason: "cannot initialise FreeType")
        }
        guard FT_New_Face(library, fontPath, 0, &face) == 0, let face else {
            FT_Done_FreeType(library)
            throw ImagingError.fileAccess(path: fontPath, reason: "cannot load the font (install fonts-dejavu-core or set WILDIR_FONT)")
        }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixelSize))
        self.pixelSize = pixelSize
        lineHeight = pixelSize * 5 / 4
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    /// Advance width of `text` in pixels.
    public func width(of text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + glyph($1).advance }
    }

    /// `text` broken at spaces into lines no wider than `maxWidth` pixels.
    public func wrap(_ text: String, maxWidth: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if width(of: candidate) > maxWidth, !current.isEmpty {
                lines.append(current)
                current = String(word)
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Draws `text` in `colour` onto `image` with its baseline-box top-left at (x, y), clipped to the image.
    public func draw(_ text: String, into image: inout Image, x: Int, y: Int, colour: [Float]) {
        var penX = x
        let baseline = y + pixelSize
        for scalar in text.unicodeScalars {
            let g = glyph(scalar)
            for row in 0..<g.rows {
                for column in 0..<g.width {
                    let (px, py) = (penX + g.left + column, baseline - g.top + row)
                    guard px >= 0, py >= 0, px < image.width, py < image.height else { continue }
                    let alpha = Float(g.coverage[row * g.width + column]) / 255
                    for c in 0..<min(image.colourChannels, colour.count) {
                        image[c, py, px] = image[c, py, px] * (1 - alpha) + colour[c] * alpha
                    }
                }
            }
            penX += g.advance
        }
    }

    private struct Glyph { let width, rows, left, top, advance: Int; let coverage: [UInt8] }

    private func glyph(_ scalar: Unicode.Scalar) -> Glyph {
        guard let face, FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0,
              let slot = face.pointee.glyph else {
            return Glyph(width: 0, rows: 0, left: 0, top: 0, advance: pixelSize / 2, coverage: [])
        }
        let bitmap = slot.pointee.bitmap
        let (w, h, pitch) = (Int(bitmap.width), Int(bitmap.rows), Int(bitmap.pitch))
        var coverage = [UInt8](repeating: 0, count: w * h)
        if let buffer = bitmap.buffer {
            for row in 0..<h { for column in 0..<w { coverage[row * w + column] = buffer[row * pitch + column] } }
        }
        return Glyph(width: w, rows: h, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
                     advance: Int(slot.pointee.advance.x >> 6), coverage: coverage)
    }
}
