import CBLAS
import CDNNL
import XCTest

/// The system-library module maps resolve, link and compute.
final class SystemLibrariesTests: XCTestCase {
    func testOneDNNReportsItsVersion() {
        let version = dnnl_version().pointee
        XCTAssertGreaterThanOrEqual(version.major, 2)
    }

    func testOpenBLASDotProductMatchesClosedForm() {
        let x: [Float] = [1, 2, 3, 4]
        let y: [Float] = [5, 6, 7, 8]
        // 1·5 + 2·6 + 3·7 + 4·8 = 70
        XCTAssertEqual(cblas_sdot(4, x, 1, y, 1), 70)
    }
}
