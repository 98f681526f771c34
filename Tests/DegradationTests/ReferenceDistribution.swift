import Imaging
import TestSupport
import XCTest

/// Compares a pipeline's PSNR(LQ, GT) distribution on the test photos with a reference implementation's, read
/// from a fixture `{"photos": [...], "draws_per_photo": n, "psnr": {photo: [...]}}`: medians within 0.5 dB, and
/// a two-sample Kolmogorov–Smirnov test that does not reject at 1 %.
enum ReferenceDistribution {
    static func compare(pipeline: String, fixture name: String, file: StaticString = #filePath, line: UInt = #line,
                        psnr: (_ gt: Image, _ seed: UInt64, _ photo: String) throws -> Double) throws {
        let fixture = try XCTUnwrap(try Fixtures.json("degradation", name) as? [String: Any])
        let photos = try XCTUnwrap(fixture["photos"] as? [String])
        let draws = try XCTUnwrap(fixture["draws_per_photo"] as? Int)
        let referenceByPhoto = try XCTUnwrap(fixture["psnr"] as? [String: [Double]])
        var ours: [Double] = [], reference: [Double] = []
        for photo in photos {
            let gt = try Image(contentsOf: Fixtures.path("images", "\(photo).png"))
            reference += try XCTUnwrap(referenceByPhoto[photo])
            for seed in 0..<draws { ours.append(try psnr(gt, UInt64(seed), photo)) }
        }
        let (medianOurs, medianReference) = (median(ours), median(reference))
        let d = kolmogorovSmirnov(ours, reference)
        let critical = 1.628 * Double(ours.count + reference.count).squareRoot() / Double(ours.count * reference.count).squareRoot()
        print(String(format: "%@ PSNR: median %.2f dB (reference %.2f dB), KS D = %.3f (1%% critical %.3f), n = %d + %d",
                     pipeline, medianOurs, medianReference, d, critical, ours.count, reference.count))
        XCTAssertEqual(medianOurs, medianReference, accuracy: 0.5, file: file, line: line)
        XCTAssertLessThan(d, critical, "two-sample Kolmogorov–Smirnov rejects at 1%", file: file, line: line)
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The two-sample Kolmogorov–Smirnov statistic: the largest gap between the empirical distribution functions.
    static func kolmogorovSmirnov(_ a: [Double], _ b: [Double]) -> Double {
        let (sa, sb) = (a.sorted(), b.sorted())
        var (i, j, d) = (0, 0, 0.0)
        while i < sa.count && j < sb.count {
            let x = min(sa[i], sb[j])
            while i < sa.count && sa[i] <= x { i += 1 }
            while j < sb.count && sb[j] <= x { j += 1 }
            d = max(d, abs(Double(i) / Double(sa.count) - Double(j) / Double(sb.count)))
        }
        return d
    }
}
