import Degradation
import Foundation
import Imaging
import TestSupport
import XCTest

/// The wild pipeline against the official DACLIP-IR `random_degrade`, instrumented to log every operation and its
/// drawn parameters (`Tools/fixtures/wild_reference.py`; the reference leaves out the two ingredients WildIR omits,
/// the 'psf' kernels and the under-display filter, the same way): per-operation frequencies, degradation texts and
/// operation orders (χ²), every parameter's distribution (χ² or KS and a location test), the LQ PSNR (KS and a
/// stratified location test that a 0.3 dB shift fails), and the noise step's PSNR at its drawn noise levels.
final class WildPipelineReferenceTests: XCTestCase {
    /// The operations, their parameters and orders over 8,000 draws on a 32×24 crop, against the official logs.
    func testOperationsAndParametersFollowTheOfficialPipeline() throws {
        let reference = try XCTUnwrap(try Fixtures.json("degradation", "wild_operations.json") as? [String: Any])
        let image = try XCTUnwrap(reference["image"] as? [String: Any])
        let crop = try XCTUnwrap(image["crop"] as? [Int])
        let gt = try PipelineReference.centreCrop(try XCTUnwrap(image["photo"] as? String), width: crop[0], height: crop[1])
        let draws = try XCTUnwrap(reference["draws"] as? Int)
        XCTAssertEqual(draws, 8000)
        XCTAssertEqual(reference["ignored"] as? [String], ["under_display"], "the only official step WildIR leaves out")
        var summary = OperationSummary()
        let pipeline = WildPipeline()
        for seed in 0..<draws {
            var random = DegradationRandom(seed: UInt64(seed), name: "operations")
            summary.add(try pipeline.apply(gt, random: &random).1)
        }
        let report = try summary.compare(with: reference, pipeline: "wild")
        XCTAssertGreaterThan(report.count, 60, "every operation, order and parameter is compared")
        print("wild pipeline vs official random_degrade, \(draws) draws each:\n  " + report.joined(separator: "\n  "))
    }

    /// PSNR(LQ, GT) on the 96×96 centre crops of five photos, 2,000 draws per photo against the official 4,000: the
    /// pooled distributions by Kolmogorov–Smirnov, and the per-photo mean differences, averaged, by a Welch test
    /// whose standard error (about 0.045 dB) makes a 0.3 dB shift a 6σ event.
    func testLQPSNRDistributionMatchesTheOfficialPipeline() throws {
        let reference = try XCTUnwrap(try Fixtures.json("degradation", "wild_reference_psnr.json") as? [String: Any])
        try PipelineReferencePSNR.compare(reference, pipeline: "wild", drawsPerPhoto: 2000) { gt, seed, photo in
            var random = DegradationRandom(seed: seed, name: photo)
            return (try WildPipeline().apply(gt, random: &random).0, gt)
        }
    }

    /// The noise step alone on a 64×64 crop, 4,000 draws: which noises fire (χ²), and for each kind the PSNR less the
    /// PSNR its drawn level implies (20·log10(255/σ) for Gaussian, −20·log10(scale) for Poisson). Those residuals
    /// spread over a few tenths of a dB, so noise 0.3 dB stronger or weaker than drawn fails by tens of σ.
    func testNoiseStepMatchesTheOfficialNoiseAtItsDrawnLevels() throws {
        let reference = try XCTUnwrap(try Fixtures.json("degradation", "wild_noise.json") as? [String: Any])
        let image = try XCTUnwrap(reference["image"] as? [String: Any])
        let crop = try XCTUnwrap(image["crop"] as? [Int])
        let clean = try PipelineReference.centreCrop(try XCTUnwrap(image["photo"] as? String), width: crop[0], height: crop[1])
        let draws = try XCTUnwrap(reference["draws"] as? Int)
        XCTAssertEqual(draws, 4000)
        var residuals: [String: [Double]] = [:], counts: [String: Int] = [:]
        for seed in 0..<draws {
            var record = DegradationRecord()
            var random = DegradationRandom(seed: UInt64(seed), name: "noise")
            let noisy = WildNoise().apply(clean, &record, &random)
            let psnr = try PipelineReference.psnr(noisy, clean, cap: 60)
            let parameters = Dictionary(record.operations.map { ($0.name, $0.parameters) }, uniquingKeysWith: { a, _ in a })
            func number(_ op: String, _ key: String) -> Double? {
                if case let .number(value)? = parameters[op]?[key] { return value }
                return nil
            }
            let stratum: String
            switch (number("gaussian_noise", "sigma"), number("poisson_noise", "scale")) {
            case let (sigma?, nil):
                stratum = number("gaussian_noise", "gray") == 1 ? "gaussian_gray" : "gaussian"
                residuals[stratum, default: []].append(psnr - 20 * log10(255 / sigma))
            case let (nil, scale?):
                stratum = number("poisson_noise", "gray") == 1 ? "poisson_gray" : "poisson"
                residuals[stratum, default: []].append(psnr + 20 * log10(scale))
            case (.some, .some): stratum = "both"
            case (nil, nil): stratum = "neither"
            }
            counts[stratum, default: 0] += 1
        }
        let referenceCounts = try PipelineReference.counts(reference["counts"])
        let chi = try XCTUnwrap(PipelineReference.chiSquare(counts, referenceCounts))
        XCTAssertLessThan(chi.statistic, chi.critical, "which noises fire")
        let strata = try XCTUnwrap(reference["residuals"] as? [String: Any])
        XCTAssertEqual(Set(strata.keys), ["gaussian", "gaussian_gray", "poisson", "poisson_gray"])
        for (name, summary) in strata.sorted(by: { $0.key < $1.key }) {
            let theirs = try PipelineReference.Summary(summary)
            let ours = try XCTUnwrap(residuals[name], name)
            let (d, critical) = PipelineReference.kolmogorovSmirnov(ours, theirs)
            let (difference, z) = PipelineReference.location(ours, theirs)
            print(String(format: "wild noise step, %@: %d vs %d draws, mean residual %+.4f dB (official %+.4f), difference %+.4f dB (z %.2f), KS D %.3f (critical %.3f)",
                         name, ours.count, theirs.count, PipelineReference.moments(ours).mean, theirs.mean, difference, z, d, critical))
            XCTAssertLessThan(abs(z), PipelineReference.zCritical, "\(name): the noise level differs from the official one")
            XCTAssertLessThan(d, critical, "\(name): the PSNR distribution at the drawn level differs (KS)")
        }
    }
}
