import Foundation
import Imaging
@testable import Metrics
import TestSupport
import XCTest

/// NIQE against BasicSR's `calculate_niqe` (the MATLAB release's numbers) on real photos, clean and degraded.
final class NIQETests: XCTestCase {
    var repository: URL { Fixtures.root.deletingLastPathComponent().deletingLastPathComponent() }

    func parameters() throws -> NIQEParameters {
        try NIQEParameters(contentsOf: repository.appendingPathComponent("models").appendingPathComponent(NIQEParameters.bundledPath))
    }

    /// Within 1e-3 on photos (clean, noisy, blurred). On heavily JPEG-compressed copies, whose 8×8 blocks are flat,
    /// the second scale's MSCN divides differences of a few float32 ulps by σ + 1 ≈ 1: the reference's MATLAB-style
    /// resize runs PyTorch's float32 `mv` (its BLAS's summation order and fused multiply-adds), which no independent
    /// implementation reproduces bit for bit, so a few blocks' AGGD shapes move one grid step (0.001) and the score
    /// by up to 3e-3 (measured; the first scale, before any resize, matches the reference feature for feature).
    func testScoresMatchBasicSROnRealPhotos() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("metrics", "niqe.json")))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try XCTUnwrap(object["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 26, "niqe.json holds 26 cases")
        let parameters = try parameters()
        var worst = 0.0
        for c in cases {
            let path = repository.appendingPathComponent(try XCTUnwrap(c["image"] as? String)).path
            let crop = try XCTUnwrap(c["crop_border"] as? Int), expected = try XCTUnwrap(c["niqe"] as? Double)
            let score = try NIQE(parameters: parameters, cropBorder: crop).evaluate(try Image(contentsOf: path))
            worst = max(worst, abs(score - expected))
            XCTAssertEqual(score, expected, accuracy: path.contains("jpeg20") ? 4e-3 : 1e-3, "\(path), crop \(crop)")
        }
        print(String(format: "NIQE: worst difference from BasicSR %.2e over %d cases", worst, cases.count))
    }

    func testDamageRaisesTheScore() throws {
        // The degraded copies of a photo score worse (higher) than the photo itself, as their reference values do.
        let niqe = NIQE(parameters: try parameters())
        let clean = try niqe.evaluate(try Image(contentsOf: Fixtures.path("images", "astronaut.png")))
        for variant in ["noise10", "blur"] {
            let damaged = try niqe.evaluate(try Image(contentsOf: Fixtures.path("metrics", "niqe_tests_astronaut_\(variant).png")))
            XCTAssertGreaterThan(damaged, clean + 1, variant)
        }
    }

    func testPseudoInverseQuadraticFormOfASingularMatrixMatchesItsClosedForm() throws {
        // A = diag(4, 1, 0): A⁺ = diag(1/4, 1, 0), so δᵀA⁺δ = δ₁²/4 + δ₂² whatever δ₃ is.
        let value = try NIQE.quadraticFormWithPseudoInverse([4, 0, 0, 0, 1, 0, 0, 0, 0], [2, 3, 100], dimension: 3)
        XCTAssertEqual(value, 1 + 9, accuracy: 1e-12)
        // A rotated symmetric matrix: [[2, 1], [1, 2]] has A⁻¹ = [[2, −1], [−1, 2]] / 3.
        XCTAssertEqual(try NIQE.quadraticFormWithPseudoInverse([2, 1, 1, 2], [1, 2], dimension: 2), (2 - 4 + 8) / 3.0, accuracy: 1e-12)
    }

    func testTooSmallImagesAndBadParameterFilesAreTypedErrors() throws {
        let niqe = NIQE(parameters: try parameters())
        XCTAssertThrowsError(try niqe.evaluate(try Image(width: 96, height: 96, channels: 3))) { error in
            guard case .imageTooSmall? = error as? MetricsError else { return XCTFail("\(error)") }
        }
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("niqe-\(UUID().uuidString).json")
        try Data(#"{"mu_pris_param": [1], "cov_pris_param": [1], "gaussian_window": [1]}"#.utf8).write(to: bad)
        defer { try? FileManager.default.removeItem(at: bad) }
        XCTAssertThrowsError(try NIQEParameters(contentsOf: bad))
    }
}
