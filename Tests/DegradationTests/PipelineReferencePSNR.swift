import Degradation
import Foundation
import Imaging
import XCTest

/// The PSNR(LQ, GT) comparison shared by the wild and Real-ESRGAN references (`Tools/fixtures/wild_reference.py`,
/// `realesrgan_reference.py`): on the centre crops of five photos, the pooled distributions by Kolmogorov–Smirnov,
/// and the per-photo mean differences, averaged, by a Welch test whose standard error must make a 0.3 dB shift at
/// least a 5σ event.
enum PipelineReferencePSNR {
    /// `degrade(gt, seed, photo)` → (LQ, the GT it is scored against: `gt` itself, or the GT the pipeline returns).
    static func compare(_ reference: [String: Any], pipeline: String, drawsPerPhoto: Int,
                        file: StaticString = #filePath, line: UInt = #line,
                        degrade: (_ gt: Image, _ seed: UInt64, _ photo: String) throws -> (lq: Image, groundTruth: Image)) throws {
        let photos = try XCTUnwrap(reference["photos"] as? [String], file: file, line: line)
        let crop = try XCTUnwrap(reference["crop"] as? [Int], file: file, line: line)
        let cap = try XCTUnwrap((reference["cap"] as? NSNumber)?.doubleValue, file: file, line: line)
        let byPhoto = try XCTUnwrap(reference["psnr"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(photos.count, 5, file: file, line: line)
        var pooled: [Double] = []
        var difference = 0.0, variance = 0.0
        var lines: [String] = []
        for photo in photos {
            let gt = try PipelineReference.centreCrop(photo, width: crop[0], height: crop[1])
            let theirs = try PipelineReference.Summary(byPhoto[photo])
            let ours = try (0..<drawsPerPhoto).map { seed -> Double in
                let (lq, groundTruth) = try degrade(gt, UInt64(seed), photo)
                return try PipelineReference.psnr(lq, groundTruth, cap: cap)
            }
            let (mean, v) = PipelineReference.moments(ours)
            difference += (mean - theirs.mean) / Double(photos.count)
            variance += (v / Double(ours.count) + theirs.variance / Double(theirs.count)) / Double(photos.count * photos.count)
            lines.append(String(format: "%@ %.3f dB (official %.3f)", photo, mean, theirs.mean))
            pooled += ours
        }
        let se = variance.squareRoot()
        let (d, critical) = PipelineReference.kolmogorovSmirnov(pooled, try PipelineReference.Summary(reference["pooled"]))
        print(String(format: "%@ LQ PSNR: mean difference %+.3f dB ± %.3f (z %.2f; a 0.3 dB shift is %.1fσ), KS D %.4f (critical %.4f); %@",
                     pipeline, difference, se, difference / se, 0.3 / se, d, critical, lines.joined(separator: ", ")))
        XCTAssertLessThan(se, 0.3 / 5, "the location test must be sensitive to a 0.3 dB shift", file: file, line: line)
        XCTAssertLessThan(abs(difference / se), PipelineReference.zCritical,
                          "\(pipeline): the LQ PSNR is shifted from the reference's", file: file, line: line)
        XCTAssertLessThan(d, critical, "\(pipeline): the LQ PSNR distribution differs from the reference's (KS)", file: file, line: line)
    }
}
