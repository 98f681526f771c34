import ImageTensors
import Imaging
import WildTensor
import XCTest

/// Images become NCHW tensors and back without changing a sample.
final class ImageTensorTests: XCTestCase {
    func testImageRoundTripKeepsEverySampleAndRefusesWhatIsNoImage() throws {
        let image = try Image(width: 3, height: 2, channels: 3, samples: (0..<18).map { Float($0) / 17 })
        let t = Tensor(image: image)
        XCTAssertEqual(t.shape, [1, 3, 2, 3])
        XCTAssertEqual(try t.image().samples, image.samples)
        XCTAssertThrowsError(try Tensor.zeros([1, 5, 2, 2]).image())
        XCTAssertThrowsError(try Tensor.batch([image, try Image(width: 2, height: 2, channels: 3)]))
    }
}
