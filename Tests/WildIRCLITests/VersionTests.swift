import WildIR
import XCTest

final class VersionTests: XCTestCase {
    func testVersionIsSemantic() {
        XCTAssertEqual(WildIR.version.split(separator: ".").count, 3)
    }
}
