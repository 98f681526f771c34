import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir evaluate --metrics fid,kid`: whole folders without pairing, pytorch-fid's value with the random FID
/// Inception of `Tools/fixtures/fid_kid.py` written under pytorch-fid's file name, and the errors a user meets (a
/// missing Inception file, a set of one image).
final class SetMetricsCommandTests: CLITestCase {
    /// A PyTorch cache holding the random FID Inception (`$TORCH_HOME/hub/checkpoints`), written once.
    nonisolated(unsafe) static var torchHome: URL?

    override class func setUp() {
        super.setUp()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-torch-home-\(UUID().uuidString)")
        do {
            let folder = home.appendingPathComponent("hub/checkpoints")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try TorchSaveWriter.write(RandomInception.tensors(), to: folder.appendingPathComponent(FIDInception.weightsFileName))
            torchHome = home
        } catch {
            print("could not write the random FID Inception: \(error)")
        }
    }

    override class func tearDown() {
        if let torchHome { try? FileManager.default.removeItem(at: torchHome) }
        super.tearDown()
    }

    var restored: String { Fixtures.path("fid_kid", "restored") }
    var reference: String { Fixtures.path("fid_kid", "reference") }

    func testSetProgressCountsEveryImageOfBothSetsBatchByBatch() throws {
        let torchHome = try XCTUnwrap(Self.torchHome, "the random FID Inception was not written")
        let locator = MetricWeightsLocator(environment: ["TORCH_HOME": torchHome.path])
        let evaluator = Evaluator(options: Evaluator.Options(metrics: [.fid], learned: LearnedMetrics(fidInception: try FIDInception(locator: locator)),
                                                             featureBatchSize: 4))
        var calls: [(Int, Int)] = []
        let report = try evaluator.evaluate(restoredDirectory: restored, referenceDirectory: reference) { calls.append(($0, $1)) }
        XCTAssertEqual(report.set?.restoredCount, 6)
        // Six restored images in batches of 4 and 2, then five references in batches of 4 and 1, out of 11.
        XCTAssertEqual(calls.map(\.0), [4, 6, 10, 11])
        XCTAssertEqual(calls.map(\.1), [11, 11, 11, 11])
    }

    func testFIDAndKIDOfUnpairedFoldersMatchPytorchFID() throws {
        let torchHome = try XCTUnwrap(Self.torchHome, "the random FID Inception was not written")
        // The two folders share no file name: set-level metrics alone pair nothing.
        let run = try self.run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "fid,kid", "--format", "json"],
                               environment: environment(torchHome: torchHome))
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let set = try XCTUnwrap(object["set"] as? [String: Any])
        XCTAssertEqual(set["restored_images"] as? Int, 6)
        XCTAssertEqual(set["reference_images"] as? Int, 5)
        XCTAssertEqual(set["kid_subset_size"] as? Int, 5)
        let scores = try XCTUnwrap(Fixtures.json("fid_kid", "scores.json") as? [String: Any])
        let fid = try XCTUnwrap(set["fid"] as? Double), expected = try XCTUnwrap(scores["fid"] as? Double)
        XCTAssertEqual(fid, expected, accuracy: 1e-3 * expected)
        XCTAssertEqual((object["mean"] as? [String: Any])?["fid"] as? Double, fid)
        XCTAssertTrue((set["kid"] as? Double)?.isFinite == true && (set["kid_std"] as? Double)?.isFinite == true, "\(set)")

        // The text table, on two images per set (the network is the costly part).
        let (few, fewReference) = (try folder(), try folder())
        for (name, from, to) in [("r0_astronaut", restored, few), ("r1_chelsea", restored, few),
                                 ("g0_astronaut", reference, fewReference), ("g1_chelsea", reference, fewReference)] {
            try FileManager.default.copyItem(atPath: "\(from)/\(name).png", toPath: to.appendingPathComponent("\(name).png").path)
        }
        let text = try self.run(["evaluate", "--restored", few.path, "--reference", fewReference.path, "--metrics", "fid,kid"],
                                environment: environment(torchHome: torchHome))
        XCTAssertEqual(text.status, 0, text.stderr)
        for line in ["FID ↓", "KID ↓", "2 restored vs 2 reference images; KID", "one value per set"] {
            XCTAssertTrue(text.stdout.contains(line), "'\(line)' missing from:\n\(text.stdout)")
        }
    }

    func testMissingInceptionAndTooSmallSetsFailClearly() throws {
        let missing = try self.run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "fid"],
                                   environment: environment(torchHome: nil))
        XCTAssertEqual(missing.status, 1, missing.stderr)
        for text in ["pt_inception-2015-12-05-6726825d.pth", "/hub/checkpoints ($TORCH_HOME/hub/checkpoints)",
                     "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
                     "--weights fid-inception=PATH"] {
            XCTAssertTrue(missing.stderr.contains(text), "'\(text)' missing from:\n\(missing.stderr)")
        }
        let torchHome = try XCTUnwrap(Self.torchHome, "the random FID Inception was not written")
        let single = try folder()
        try FileManager.default.copyItem(atPath: "\(restored)/r0_astronaut.png", toPath: single.appendingPathComponent("one.png").path)
        let small = try self.run(["evaluate", "--restored", single.path, "--reference", reference, "--metrics", "fid"],
                                 environment: environment(torchHome: torchHome))
        XCTAssertEqual(small.status, 1, small.stderr)
        XCTAssertTrue(small.stderr.contains("FID needs at least 2 images in each set"), small.stderr)
        XCTAssertTrue(small.stderr.contains("the restored set has 1"), small.stderr)
        XCTAssertEqual(small.stdout, "")
    }
}
