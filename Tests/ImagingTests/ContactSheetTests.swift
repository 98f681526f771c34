import Imaging
import TestSupport
import XCTest

/// Captions and contact sheets.
final class ContactSheetTests: XCTestCase {
    func testTextIsMeasuredWrappedAndDrawnInsideTheImage() throws {
        let renderer = try TextRenderer(pixelSize: 14)
        XCTAssertEqual(renderer.width(of: ""), 0)
        XCTAssertGreaterThan(renderer.width(of: "blur, noise"), renderer.width(of: "blur"))
        let lines = renderer.wrap("an image with blur, noise, ringing artifact, jpeg block", maxWidth: 120)
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertTrue(lines.allSatisfy { renderer.width(of: $0) <= 120 || !$0.contains(" ") })
        var canvas = try Image(width: 60, height: 20, channels: 3, filledWith: 0)
        renderer.draw("Hg", into: &canvas, x: 2, y: 0, colour: [1, 1, 1])
        XCTAssertGreaterThan(canvas.samples.filter { $0 > 0.5 }.count, 20)
        renderer.draw("far outside", into: &canvas, x: 500, y: 500, colour: [1, 1, 1])  // clipped, no crash
    }

    func testMissingFontIsAFileAccessError() {
        XCTAssertThrowsError(try TextRenderer(fontPath: "/no/such/font.ttf")) {
            guard case .fileAccess("/no/such/font.ttf", _) = $0 as? ImagingError else { return XCTFail("\($0)") }
        }
    }

    func testSheetLaysOutTilesInRowsWithTheirPictures() throws {
        let photo = try Image(contentsOf: Fixtures.path("images", "camera.png"))
        let tiles = (0..<5).map { ContactSheet.Tile(image: photo, caption: "tile \($0)") }
        let renderer = try TextRenderer()
        let sheet = try ContactSheet.render(tiles, columns: 4, tileSize: 64, captionLines: 2, renderer: renderer)
        let band = 2 * renderer.lineHeight + 8
        XCTAssertEqual([sheet.width, sheet.height, sheet.channels], [4 * 72 + 8, 2 * (64 + band + 8) + 8, 3])
        // The first tile holds the (gray, so R = G = B) thumbnail of the photo.
        let thumb = try photo.resized(width: 64, height: 64, filter: .area)
        XCTAssertEqual(sheet[0, 8 + 10, 8 + 10], thumb[0, 10, 10], accuracy: 1e-6)
        XCTAssertEqual(sheet[2, 8 + 10, 8 + 10], thumb[0, 10, 10], accuracy: 1e-6)
        XCTAssertThrowsError(try ContactSheet.render([], renderer: renderer))
    }
}
