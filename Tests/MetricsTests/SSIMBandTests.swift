@testable import Metrics
import TestSupport
import XCTest

/// The banded SSIM kernel gives the same mean whatever the band height (band edges are where indexing slips).
final class SSIMBandTests: XCTestCase {
    func testBandHeightDoesNotChangeTheMean() throws {
        let restored = try NPYArray.fixture("metrics", "camera_noise25.npy").image(scale: 1.0 / 255).samples
        let reference = try NPYArray.fixture("metrics", "camera_reference.npy").image(scale: 1.0 / 255).samples
        // 96 × 80 gray: the valid map is 86 × 70, so these heights give 70, 10, 3 (last one short) and 2 bands.
        func mean(_ bandHeight: Int) -> Double {
            restored.withUnsafeBufferPointer { a in
                reference.withUnsafeBufferPointer { b in
                    SSIM.meanSSIM(a.baseAddress!, b.baseAddress!, stride: 96, width: 96, height: 80, bandHeight: bandHeight)
                }
            }
        }
        let oneBand = mean(70)
        for bandHeight in [1, 7, 32, 64, 200] {
            XCTAssertEqual(mean(bandHeight), oneBand, accuracy: 1e-13, "band height \(bandHeight)")
        }
    }
}
