@testable import Metrics
import TestSupport
import XCTest

/// The banded SSIM kernel gives the same mean whatever the band height (band edges are where indexing slips).
final class SSIMBandTests: XCTestCase {
    func testBandHeightDoesNotChangeTheMean() throws {
        let restored = try NPYArray.fixture("metrics", "camera_noise25.npy").values
        let reference = try NPYArray.fixture("metrics", "camera_reference.npy").values
        // 96 × 80 gray: the valid map is 86 × 70, so these heights give 70, 10, 3 (last one short) and 2 bands.
        let oneBand = SSIM.meanSSIM(restored, reference, width: 96, height: 80, bandHeight: 70)
        for bandHeight in [1, 7, 32, 64, 200] {
            XCTAssertEqual(SSIM.meanSSIM(restored, reference, width: 96, height: 80, bandHeight: bandHeight), oneBand,
                           accuracy: 1e-13, "band height \(bandHeight)")
        }
    }
}
