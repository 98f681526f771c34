import Imaging
import Restoration
import TestSupport
import XCTest

/// The cancellation check of `Restorer.restore`: asked before every sampling step, it stops the restoration there,
/// and a check that never answers yes changes nothing in the output.
final class RestorationCancellationTests: XCTestCase {
    func gradient(width: Int = 32, height: Int = 24) throws -> Image {
        let plane = width * height
        let samples = (0..<(3 * plane)).map { Float($0 % plane) / Float(plane) }
        return try Image(width: width, height: height, channels: 3, samples: samples)
    }

    func testACheckThatNeverCancelsGivesTheSameOutput() throws {
        var options = RestorationOptions()
        options.seed = 5
        let restorer = try Restorer(model: .tiny(steps: 4), options: options)
        let image = try gradient()
        let plain = try restorer.restore(image)
        let checked = try restorer.restore(image, isCancelled: { false })
        XCTAssertEqual(plain.samples, checked.samples)
    }

    func testCancellationStopsBetweenTwoSteps() throws {
        let restorer = try Restorer(model: .tiny(steps: 6))
        var stepsDone = 0
        XCTAssertThrowsError(try restorer.restore(try gradient(), progress: { stepsDone = $0.step },
                                                  isCancelled: { stepsDone >= 2 })) { error in
            XCTAssertEqual(error as? RestorationError, .cancelled)
        }
        XCTAssertEqual(stepsDone, 2)
    }
}
