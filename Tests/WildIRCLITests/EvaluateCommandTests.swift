import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir evaluate` run as a separate process: exit codes, the three output formats, error messages.
final class EvaluateCommandTests: XCTestCase {
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `wildir` executable built beside the test bundle.
    /// - Throws: ``MissingExecutable`` when it is not there.
    static func executable() throws -> URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for folder in candidates {
            let url = folder.appendingPathComponent("wildir")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw MissingExecutable(description: "the wildir executable was not found next to the tests (looked in "
                                + "\(candidates.map(\.path))); it is built with them (swift build --build-tests)")
    }

    /// A missing `wildir` fails the tests that need it: the suite never passes without running them.
    struct MissingExecutable: Error, CustomStringConvertible {
        let description: String
    }

    func wildir(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    func expected(_ name: String, onY: Bool, crop: Int) throws -> (psnr: Double, ssim: Double) {
        try EvaluationFixtures.expected(EvaluationFixtures.pairs.first { $0.2 == name }!.0, onY: onY, cropBorder: crop)
    }

    func testTablePrintsAlignedRowsAndTheMean() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let run = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--y-channel", "--crop-border", "4"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let rows = lines.filter { ["astronaut", "camera", "chelsea", "mean"].contains($0.split(separator: " ").first.map(String.init) ?? "") }
        XCTAssertEqual(rows.count, 4, run.stdout)
        // Right-aligned numeric columns: every row (and the header) has the same length.
        XCTAssertEqual(Set((rows + [lines[0]]).map(\.count)).count, 1, run.stdout)
        let astronaut = try expected("astronaut", onY: true, crop: 4)
        XCTAssertEqual(rows[0].split(separator: " ").map(String.init),
                       ["astronaut", String(format: "%.4f", astronaut.psnr), String(format: "%.4f", astronaut.ssim)])
        XCTAssertTrue(run.stdout.contains("3 image(s), on Y as BasicSR (BT.601 studio swing, 16–235), crop border 4"), run.stdout)
    }

    func testCSVHasAHeaderOneRowPerImageAndTheMean() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let run = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--format", "csv"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["image", "psnr", "ssim", "y_channel"])
        XCTAssertEqual(Set(rows.dropFirst().map { $0.last }), ["none"])
        XCTAssertEqual(rows.map { $0[0] }, ["image", "astronaut", "camera", "chelsea", "mean"])
        var psnrSum = 0.0
        for row in rows[1...3] {
            let reference = try expected(row[0], onY: false, crop: 0)
            XCTAssertEqual(try XCTUnwrap(Double(row[1])), reference.psnr, accuracy: 1e-4, row[0])
            XCTAssertEqual(try XCTUnwrap(Double(row[2])), reference.ssim, accuracy: 1e-5, row[0])
            psnrSum += reference.psnr
        }
        XCTAssertEqual(try XCTUnwrap(Double(rows[4][1])), psnrSum / 3, accuracy: 1e-4)
    }

    func testJSONHasPerImageEntriesMeansAndSettings() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let run = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--format", "json",
                              "--y-convention", "basicsr", "--crop-border", "4"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["y_channel"] as? String, "basicsr")
        XCTAssertEqual(object["crop_border"] as? Int, 4)
        let images = try XCTUnwrap(object["images"] as? [[String: Any]])
        XCTAssertEqual(images.compactMap { $0["name"] as? String }, ["astronaut", "camera", "chelsea"])
        var ssimSum = 0.0
        for entry in images {
            let name = try XCTUnwrap(entry["name"] as? String)
            let score = try expected(name, onY: true, crop: 4)
            XCTAssertEqual(try XCTUnwrap(entry["psnr"] as? Double), score.psnr, accuracy: 1e-4, name)
            XCTAssertEqual(try XCTUnwrap(entry["ssim"] as? Double), score.ssim, accuracy: 1e-5, name)
            XCTAssertEqual(entry["reference"] as? String, "\(reference)/\(name).png")
            ssimSum += score.ssim
        }
        let mean = try XCTUnwrap(object["mean"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(mean["ssim"] as? Double), ssimSum / 3, accuracy: 1e-5)
    }

    func testPyiqaYChannelScoresAsPyiqaAndEveryFormatSaysSo() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let arguments = ["evaluate", "--restored", restored, "--reference", reference, "--y-convention", "pyiqa", "--crop-border", "4"]
        let convention = "on Y as pyiqa (YIQ's Y: full-range BT.601, 0–255; SSIM on Y rounded to integers), crop border 4"
        let expected = try Dictionary(uniqueKeysWithValues: EvaluationFixtures.pairs.map {
            ($0.2, try EvaluationFixtures.expectedPyiqa($0.0, cropBorder: 4))
        })

        let text = try wildir(arguments)
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("3 image(s), \(convention)"), text.stdout)
        let markdown = try wildir(arguments + ["--format", "markdown"])
        XCTAssertTrue(markdown.stdout.contains("3 image(s), \(convention)."), markdown.stdout)

        let csv = try wildir(arguments + ["--format", "csv"])
        let rows = csv.stdout.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["image", "psnr", "ssim", "y_channel"])
        for row in rows.dropFirst() {
            XCTAssertEqual(row.last, "pyiqa", row.joined(separator: ","))
            guard let score = expected[row[0]] else { continue }
            XCTAssertEqual(try XCTUnwrap(Double(row[1])), score.psnr, accuracy: 1e-4, row[0])
            XCTAssertEqual(try XCTUnwrap(Double(row[2])), score.ssim, accuracy: 1e-5, row[0])
        }

        let json = try wildir(arguments + ["--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["y_channel"] as? String, "pyiqa")
        XCTAssertEqual(object["conventions"] as? String, convention)
        for entry in try XCTUnwrap(object["images"] as? [[String: Any]]) {
            let name = try XCTUnwrap(entry["name"] as? String), score = try XCTUnwrap(expected[name])
            XCTAssertEqual(try XCTUnwrap(entry["psnr"] as? Double), score.psnr, accuracy: 1e-4, name)
            XCTAssertEqual(try XCTUnwrap(entry["ssim"] as? Double), score.ssim, accuracy: 1e-5, name)
        }
    }

    /// A bare --y-channel is BasicSR's Y, as it always was, and equals --y-convention basicsr; --y-convention needs a
    /// known name.
    func testYChannelIsBasicSRsAndYConventionNeedsAKnownName() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let bare = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--y-channel", "--format", "json"])
        let named = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--y-convention", "basicsr", "--format", "json"])
        XCTAssertEqual(bare.status, 0, bare.stderr)
        XCTAssertEqual(bare.stdout, named.stdout)
        XCTAssertTrue(bare.stdout.contains("basicsr"), bare.stdout)
        for value in [["yiq"], []] {
            let run = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--y-convention"] + value)
            XCTAssertEqual(run.status, 64, run.stderr)
            XCTAssertTrue(run.stderr.contains("--y-convention"), run.stderr)
        }
        let run = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--y-convention", "yiq"])
        XCTAssertTrue(run.stderr.contains("basicsr") && run.stderr.contains("pyiqa"), run.stderr)
    }

    func testIdenticalImagesPrintInfinityAsInfAndNull() throws {
        let folder = try TemporaryFolder()
        let (_, reference) = try EvaluationFixtures.writePairs(in: folder)
        let csv = try wildir(["evaluate", "--restored", reference, "--reference", reference, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertTrue(csv.stdout.contains("astronaut,inf,1.000000"), csv.stdout)
        XCTAssertTrue(csv.stdout.contains("mean,inf,1.000000"), csv.stdout)
        let json = try wildir(["evaluate", "--restored", reference, "--reference", reference, "--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let mean = try XCTUnwrap(object["mean"] as? [String: Any])
        XCTAssertTrue(mean["psnr"] is NSNull, json.stdout)
        XCTAssertEqual(mean["ssim"] as? Double, 1)
    }

    func testUnpairedFilesFailUnlessAllowed() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let extra = try EvaluationFixtures.write("coffee_blur.npy", to: restored, as: "coffee.png")
        let strict = try wildir(["evaluate", "--restored", restored, "--reference", reference])
        XCTAssertEqual(strict.status, 1)
        XCTAssertEqual(strict.stdout, "")
        XCTAssertTrue(strict.stderr.contains("restored only:  \(extra)"), strict.stderr)
        XCTAssertTrue(strict.stderr.contains("--allow-unpaired"), strict.stderr)

        let lenient = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--allow-unpaired",
                                  "--format", "json"])
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stderr.contains("unpaired (not scored): \(extra)"), lenient.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lenient.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["unpaired_restored"] as? [String], [extra])
        XCTAssertEqual((object["images"] as? [Any])?.count, 3)
    }

    func testUnreadableAndMismatchedImagesFailNamingTheFiles() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let broken = restored + "/camera.png"
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: broken))
        let unreadable = try wildir(["evaluate", "--restored", restored, "--reference", reference])
        XCTAssertEqual(unreadable.status, 1)
        XCTAssertTrue(unreadable.stderr.contains(broken), unreadable.stderr)

        try EvaluationFixtures.write("camera_blur.npy", to: restored, as: "camera.png")
        try Image(width: 10, height: 12, channels: 3, filledWith: 0.2).write(to: restored + "/chelsea.webp")
        let mismatched = try wildir(["evaluate", "--restored", restored, "--reference", reference])
        XCTAssertEqual(mismatched.status, 1)
        XCTAssertTrue(mismatched.stderr.contains(restored + "/chelsea.webp")
            && mismatched.stderr.contains(reference + "/chelsea.png"), mismatched.stderr)
    }

    func testInvalidOptionsAreUsageErrors() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let negative = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--crop-border", "-2"])
        XCTAssertEqual(negative.status, 64)
        XCTAssertTrue(negative.stderr.contains("--crop-border"), negative.stderr)

        let missing = folder.path + "/nowhere"
        let noFolder = try wildir(["evaluate", "--restored", missing, "--reference", reference])
        XCTAssertEqual(noFolder.status, 64)
        XCTAssertTrue(noFolder.stderr.contains(missing), noFolder.stderr)

        let badFormat = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--format", "xml"])
        XCTAssertEqual(badFormat.status, 64)

        let tooLarge = try wildir(["evaluate", "--restored", restored, "--reference", reference, "--crop-border", "40"])
        XCTAssertEqual(tooLarge.status, 1)
        XCTAssertTrue(tooLarge.stderr.contains("crop border 40"), tooLarge.stderr)

        let empty = try folder.folder("empty")
        let emptyRun = try wildir(["evaluate", "--restored", empty, "--reference", reference])
        XCTAssertEqual(emptyRun.status, 1)
        XCTAssertTrue(emptyRun.stderr.contains(empty), emptyRun.stderr)
    }
}
