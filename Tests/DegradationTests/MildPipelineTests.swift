import Degradation
import Imaging
import XCTest

/// The mild resize/noise/JPEG augmentation.
final class MildPipelineTests: XCTestCase {
    /// Size kept, no ringing ever, and each name at its probability (resize 0.8, noise 0.4, JPEG 0.4; 4σ).
    func testSizeIsKeptAndNamesFollowTheProbabilities() throws {
        let image = try Image(width: 24, height: 16, channels: 3, filledWith: 0.4)
        let n = 2000
        var counts: [String: Int] = [:]
        for i in 0..<n {
            var random = DegradationRandom(seed: 8, name: "\(i)")
            let (out, record) = try MildPipeline().apply(image, random: &random)
            XCTAssertEqual([out.width, out.height], [24, 16])
            for name in record.degradationNames { counts[name, default: 0] += 1 }
        }
        XCTAssertNil(counts[DegradationName.ringing])
        for (name, p) in [(DegradationName.blur, 0.8), (DegradationName.noise, 0.4), (DegradationName.jpeg, 0.4)] {
            XCTAssertEqual(Double(counts[name, default: 0]) / Double(n), p, accuracy: 4 * (p * (1 - p) / Double(n)).squareRoot(), name)
        }
        var bad = MildPipeline()
        bad.jpegQuality = 0...50
        XCTAssertThrowsError(try bad.validate())
    }
}
