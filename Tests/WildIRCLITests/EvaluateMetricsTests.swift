import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir evaluate --metrics` and comparison tables: NIQE without references (its values are the library's, which
/// `NIQETests` checks against BasicSR), several folders in one table with the best in bold, and clear refusals.
final class EvaluateMetricsTests: CLITestCase {
    /// Three real photos (each holds at least two 96×96 blocks) in `restored/`, and copies blurred for a worse set.
    func photoFolders() throws -> (sharp: String, blurred: String, reference: String) {
        let root = try folder()
        let sharp = root.appendingPathComponent("sharp").path, blurred = root.appendingPathComponent("blurred").path
        let reference = root.appendingPathComponent("reference").path
        for path in [sharp, blurred, reference] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        for name in ["astronaut", "chelsea", "coffee"] {
            let photo = try Image(contentsOf: Fixtures.path("images", "\(name).png"))
            try photo.write(to: "\(reference)/\(name).png")
            try photo.write(to: "\(sharp)/\(name).png")
            let soft = try photo.resized(width: photo.width / 2, height: photo.height / 2, filter: .area)
                .resized(width: photo.width, height: photo.height, filter: .bilinear)
            try soft.write(to: "\(blurred)/\(name).png")
        }
        return (sharp, blurred, reference)
    }

    func testNIQEWithoutReferencesEqualsTheLibrary() throws {
        let (_, blurred, _) = try photoFolders()
        let run = try self.run(["evaluate", "--restored", blurred, "--metrics", "niqe", "--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let images = try XCTUnwrap(object["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 3)
        let parameters = try NIQEParameters(contentsOf: ModelLocator().bundledFile(NIQEParameters.bundledPath))
        var sum = 0.0
        for entry in images {
            let name = try XCTUnwrap(entry["name"] as? String)
            let expected = try NIQE(parameters: parameters).evaluate(Image(contentsOf: "\(blurred)/\(name).png"))
            // Same file, same code; the covariance pseudo-inverse (LAPACK on threads) may differ in the last bits.
            XCTAssertEqual(try XCTUnwrap(entry["niqe"] as? Double), expected, accuracy: 1e-9 * expected, name)
            XCTAssertTrue(entry["reference"] is NSNull)
            XCTAssertNil(entry["psnr"])
            sum += expected
        }
        let mean = try XCTUnwrap(object["mean"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(mean["niqe"] as? Double), sum / 3, accuracy: 1e-9 * sum)
    }

    func testSeveralFoldersMakeOnePaperTableWithTheBestInBold() throws {
        let (sharp, blurred, reference) = try photoFolders()
        let run = try self.run(["evaluate", "--restored", blurred, "--label", "Bilinear", "--restored", sharp, "--label", "Ours",
                           "--reference", reference, "--metrics", "psnr,ssim,niqe", "--format", "markdown"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "| method | PSNR (dB) ↑ | SSIM ↑ | NIQE ↓ | images |")
        let bilinear = try XCTUnwrap(lines.first { $0.hasPrefix("| Bilinear |") })
        let ours = try XCTUnwrap(lines.first { $0.hasPrefix("| Ours |") })
        // The copies are identical to the references: infinite PSNR and SSIM 1 win; NIQE, lower is better, goes to
        // whichever set has the lower mean, computed here from the per-image CSV.
        XCTAssertTrue(ours.contains("**inf**") && ours.contains("**1.0000**"), ours)
        XCTAssertFalse(bilinear.contains("**inf**") || bilinear.contains("**1.0000**"), bilinear)
        let csv = try self.run(["evaluate", "--restored", blurred, "--label", "Bilinear", "--restored", sharp, "--label", "Ours",
                           "--reference", reference, "--metrics", "niqe", "--format", "csv"])
        let means = csv.stdout.split(separator: "\n").filter { $0.contains(",mean,") }.map { $0.split(separator: ",") }
        XCTAssertEqual(means.map { String($0[0]) }, ["Bilinear", "Ours"], csv.stdout)
        let (niqeBilinear, niqeOurs) = (try XCTUnwrap(Double(String(means[0][2]))), try XCTUnwrap(Double(String(means[1][2]))))
        XCTAssertNotEqual(niqeBilinear, niqeOurs)
        let winner = niqeBilinear < niqeOurs ? bilinear : ours, loser = niqeBilinear < niqeOurs ? ours : bilinear
        XCTAssertEqual(winner.components(separatedBy: "**").count - 1, winner == ours ? 6 : 2, winner)
        XCTAssertEqual(loser.components(separatedBy: "**").count - 1, loser == ours ? 4 : 0, loser)
        XCTAssertTrue(run.stdout.contains("on RGB, crop border 0"), run.stdout)
    }

    func testMetricRequestsThatCannotRunAreRefusedClearly() throws {
        let (sharp, _, reference) = try photoFolders()
        let noReference = try run(["evaluate", "--restored", sharp, "--metrics", "psnr,niqe"])
        XCTAssertEqual(noReference.status, 64)
        XCTAssertTrue(noReference.stderr.contains("psnr compares against references: give --reference"), noReference.stderr)
        let unknown = try run(["evaluate", "--restored", sharp, "--reference", reference, "--metrics", "psnr,sharpness"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("unknown metric 'sharpness'; available: psnr, ssim, niqe"), unknown.stderr)
        let labels = try run(["evaluate", "--restored", sharp, "--restored", sharp, "--label", "one", "--reference", reference])
        XCTAssertEqual(labels.status, 64)
        XCTAssertTrue(labels.stderr.contains("one --label per --restored folder (2)"), labels.stderr)
        // An image too small for NIQE is an error naming the file, exit 1.
        let tiny = try folder().path
        try Image(width: 100, height: 100, channels: 3, filledWith: 0.5).write(to: "\(tiny)/flat.png")
        let small = try run(["evaluate", "--restored", tiny, "--metrics", "niqe"])
        XCTAssertEqual(small.status, 1)
        XCTAssertTrue(small.stderr.contains("flat.png") && small.stderr.contains("two 96×96 blocks"), small.stderr)
    }

    func testEvaluatorRefusesFullReferenceMetricsWithoutReferences() throws {
        let (sharp, _, _) = try photoFolders()
        XCTAssertThrowsError(try Evaluator(options: .init(metrics: [.ssim])).evaluate(restoredDirectory: sharp, referenceDirectory: nil)) {
            XCTAssertEqual($0 as? EvaluationError, .referenceRequired(["ssim"]))
        }
        XCTAssertThrowsError(try Evaluator(options: .init(metrics: [.niqe])).evaluate(restoredDirectory: sharp, referenceDirectory: nil)) {
            XCTAssertEqual($0 as? EvaluationError, .missingMetricData("NIQE's pristine model (niqe_pris_params)"))
        }
    }
}
