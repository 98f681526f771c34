import Metrics
import XCTest

final class MetricsErrorTests: XCTestCase {
    func testSizeMismatchMessageNamesBothSizes() {
        let text = MetricsError.sizeMismatch(restored: "10×10×3", reference: "12×10×3").description
        XCTAssertTrue(text.contains("10×10×3") && text.contains("12×10×3"))
    }
}
