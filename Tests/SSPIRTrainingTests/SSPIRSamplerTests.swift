import Captioning
import Degradation
import Foundation
import Imaging
import SSPIRTraining
import XCTest

/// The training pairs: sizes and ranges as the official loader gives them, batches that depend only on the
/// iteration, and the caption dropout.
final class SSPIRSamplerTests: XCTestCase {
    func sampler(_ directory: URL, captions: String? = nil, dropout: Double = 0.5) throws -> SSPIRSampler {
        var o = try TinySSPIRRun.options(directory, iterations: 1)
        o.data.captionDropout = dropout
        var table: CaptionTable?
        if let captions {
            let file = directory.appendingPathComponent("captions.tsv")
            try captions.write(to: file, atomically: true, encoding: .utf8)
            table = try CaptionTable(contentsOf: file.path)
        }
        return try SSPIRSampler(folder: o.data.dataroot, options: o.data, seed: 3,
                                pipeline: try o.data.pipeline(settings: nil, file: "<test>"), captions: table)
    }

    func testBatchesAreGTInMinusOneOneAndLQAtTheCropSize() throws {
        let s = try sampler(try TinySSPIRRun.temporaryDirectory(self))
        let batch = try s.batch(iteration: 0, size: 3)
        XCTAssertEqual(batch.groundTruth.shape, [3, 3, 16, 16])
        XCTAssertEqual(batch.lowQuality.shape, [3, 3, 16, 16])
        let gt = batch.groundTruth.values, lq = batch.lowQuality.values
        XCTAssertGreaterThanOrEqual(gt.min()!, -1)
        XCTAssertLessThanOrEqual(gt.max()!, 1)
        XCTAssertLessThan(gt.min()!, 0, "GT is scaled to [-1, 1]")
        XCTAssertGreaterThanOrEqual(lq.min()!, 0)
        XCTAssertLessThanOrEqual(lq.max()!, 1)
        // The LQ is an 8-bit image (the official sr_bicubic PNGs).
        XCTAssertTrue(lq.allSatisfy { abs($0 * 255 - ($0 * 255).rounded()) < 1e-3 })
        // It was made at a quarter of the size and brought back: smoother than the GT (whose range is twice as wide).
        func roughness(_ v: [Float]) -> Float { zip(v.dropFirst(), v).map { abs($0 - $1) }.reduce(0, +) }
        XCTAssertLessThan(roughness(lq), roughness(gt) / 2)
    }

    func testABatchDependsOnlyOnItsIteration() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        let a = try sampler(directory), b = try sampler(directory)
        _ = try b.batch(iteration: 5, size: 2)
        XCTAssertEqual(try a.batch(iteration: 1, size: 2).lowQuality.values, try b.batch(iteration: 1, size: 2).lowQuality.values)
        XCTAssertNotEqual(try a.batch(iteration: 1, size: 2).groundTruth.values, try a.batch(iteration: 2, size: 2).groundTruth.values)
    }

    func testCaptionsAreDroppedAtTheGivenRateAndKeptForValidation() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        let s = try sampler(directory, captions: "photo0\ta red disc\nphoto1\tstripes\nphoto2.png\twaves\n")
        let captions = try (0..<100).flatMap { try s.batch(iteration: $0, size: 4).captions }
        let dropped = Double(captions.filter(\.isEmpty).count) / Double(captions.count)
        XCTAssertEqual(dropped, 0.5, accuracy: 0.1)   // 400 draws: the standard deviation is 0.025
        XCTAssertEqual(Set(captions.filter { !$0.isEmpty }), ["a red disc", "stripes", "waves"])
        XCTAssertEqual(try s.validationSample(0).caption, "a red disc")
        let never = try sampler(directory, captions: "photo0\ta\nphoto1\tb\nphoto2\tc\n", dropout: 0)
        XCTAssertFalse(try never.batch(iteration: 0, size: 8).captions.contains(""))
    }

    func testAPhotoWithoutACaptionIsNamed() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        XCTAssertThrowsError(try sampler(directory, captions: "photo0\ta\nphoto1\tb\n")) { error in
            XCTAssertTrue("\(error)".contains("photo2.png"), "\(error)")
        }
    }
}
