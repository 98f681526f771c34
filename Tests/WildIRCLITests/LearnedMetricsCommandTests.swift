import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir evaluate --metrics lpips,dists`: the weight lookup as a user meets it (a missing trunk is a clear error,
/// exit status 1), and the scores of the fixture pairs with the random trunks of `Tools/fixtures/deep_metrics.py`
/// written under torchvision's file names, equal to the lpips and DISTS_pytorch packages'.
final class LearnedMetricsCommandTests: CLITestCase {
    /// A PyTorch cache holding the random AlexNet and VGG16 (`$TORCH_HOME/hub/checkpoints`), written once: AlexNet
    /// in the zip format, VGG16 in the legacy format of torchvision's 2017 `vgg16-397923af.pth`.
    nonisolated(unsafe) static var torchHome: URL?

    override class func setUp() {
        super.setUp()
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-torch-home-\(UUID().uuidString)")
        do {
            for architecture in TrunkArchitecture.allCases {
                try RandomTrunk.writeCheckpoint(architecture, into: home.appendingPathComponent("hub/checkpoints"), legacy: architecture == .vgg16)
            }
            torchHome = home
        } catch {
            print("could not write the random trunks: \(error)")
        }
    }

    override class func tearDown() {
        if let torchHome { try? FileManager.default.removeItem(at: torchHome) }
        super.tearDown()
    }

    var restored: String { Fixtures.path("deep_metrics", "restored") }
    var reference: String { Fixtures.path("deep_metrics", "reference") }

    func expected() throws -> [String: [String: Any]] {
        let object = try XCTUnwrap(Fixtures.json("deep_metrics", "scores.json") as? [String: Any])
        let cases = try XCTUnwrap(object["cases"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: cases.map { ($0["name"] as? String ?? "", $0) })
    }

    func testLPIPSWithoutTheTrunkFailsWithWhereToPutIt() throws {
        let environment = try environment(torchHome: nil)
        let run = try self.run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "psnr,lpips"], environment: environment)
        XCTAssertFalse(run.signalled, run.stderr)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(run.stdout, "")
        for text in ["error: the weights 'alexnet' (alexnet-owt-7be5be79.pth) were not found; looked in:",
                     "\(environment["TORCH_HOME"] ?? "?")/hub/checkpoints ($TORCH_HOME/hub/checkpoints)",
                     "\(environment["XDG_CACHE_HOME"] ?? "?")/torch/hub/checkpoints ($XDG_CACHE_HOME/torch/hub/checkpoints)",
                     "\(environment["HOME"] ?? "?")/.cache/torch/hub/checkpoints (~/.cache/torch/hub/checkpoints)",
                     "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", "--weights alexnet=PATH"] {
            XCTAssertTrue(run.stderr.contains(text), "'\(text)' missing from:\n\(run.stderr)")
        }
        let dists = try self.run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "dists"], environment: environment)
        XCTAssertEqual(dists.status, 1, dists.stderr)
        XCTAssertTrue(dists.stderr.contains("vgg16-397923af.pth"), dists.stderr)
    }

    func testFixtureTrunksGiveTheReferencePackagesScores() throws {
        let torchHome = try XCTUnwrap(Self.torchHome, "the random trunks were not written")
        let run = try self.run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "lpips,dists", "--format", "json"],
                               environment: environment(torchHome: torchHome))
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["lpips_net"] as? String, "alex")
        let images = try XCTUnwrap(object["images"] as? [[String: Any]])
        let expected = try expected()
        XCTAssertEqual(images.count, expected.count)
        var worst = 0.0
        for image in images {
            let name = try XCTUnwrap(image["name"] as? String)
            let reference = try XCTUnwrap(expected[name], name)
            for (key, column) in [("lpips_alex", "lpips"), ("dists", "dists")] {
                let value = try XCTUnwrap(image[column] as? Double, "\(name) \(column)")
                let error = abs(value - (try XCTUnwrap(reference[key] as? Double)))
                XCTAssertLessThanOrEqual(error, 1e-5, "\(name) \(column)")
                worst = max(worst, error)
            }
        }
        print(String(format: "wildir evaluate --metrics lpips,dists: max |error| %.2e against the packages", worst))
    }

    /// `--lpips-net vgg` with the VGG16 given by `--weights` (the cache holds AlexNet only), in a Markdown table.
    func testVGGTrunkFromWeightsOptionInAMarkdownTable() throws {
        let torchHome = try XCTUnwrap(Self.torchHome, "the random trunks were not written")
        let cache = try folder()
        try FileManager.default.createDirectory(at: cache.appendingPathComponent("hub/checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: torchHome.appendingPathComponent("hub/checkpoints/alexnet-owt-7be5be79.pth"),
                                         to: cache.appendingPathComponent("hub/checkpoints/alexnet-owt-7be5be79.pth"))
        let vgg = torchHome.appendingPathComponent("hub/checkpoints/vgg16-397923af.pth").path
        let environment = try environment(torchHome: cache)
        let missing = try run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "lpips", "--lpips-net", "vgg"],
                              environment: environment)
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("vgg16-397923af.pth"), missing.stderr)
        let run = try self.run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "psnr,lpips,dists",
                                "--lpips-net", "vgg", "--weights", "vgg16=\(vgg)", "--format", "markdown"], environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "| image | PSNR (dB) ↑ | LPIPS ↓ | DISTS ↓ |")
        XCTAssertTrue(run.stdout.contains("LPIPS v0.1 vgg (VGG16) on RGB, whole image; DISTS on RGB, whole image, not resized"), run.stdout)
        let expected = try expected()
        let row = try XCTUnwrap(lines.first { $0.hasPrefix("| chelsea_blur |") }, run.stdout)
        let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(cells[2], String(format: "%.4f", try XCTUnwrap(expected["chelsea_blur"]?["lpips_vgg"] as? Double)))
        XCTAssertEqual(cells[3], String(format: "%.4f", try XCTUnwrap(expected["chelsea_blur"]?["dists"] as? Double)))
        // Identical images: both 0 (DISTS's 1 − Σ weights may be −1e−16, which must not print as "-0.0000").
        let identical = try XCTUnwrap(lines.first { $0.hasPrefix("| rocket_identical |") }, run.stdout)
        XCTAssertEqual(identical.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.suffix(2), ["0.0000", "0.0000"])
    }

    func testMismatchedSizesAndBadWeightsArgumentsAreRefused() throws {
        let torchHome = try XCTUnwrap(Self.torchHome, "the random trunks were not written")
        let root = try folder()
        let (a, b) = (root.appendingPathComponent("a"), root.appendingPathComponent("b"))
        for url in [a, b] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        try FileManager.default.copyItem(atPath: "\(restored)/astronaut_noise.png", toPath: a.appendingPathComponent("x.png").path)
        try FileManager.default.copyItem(atPath: "\(reference)/chelsea_blur.png", toPath: b.appendingPathComponent("x.png").path)
        let sizes = try run(["evaluate", "--restored", a.path, "--reference", b.path, "--metrics", "dists"], environment: environment(torchHome: torchHome))
        XCTAssertEqual(sizes.status, 1, sizes.stderr)
        XCTAssertTrue(sizes.stderr.contains("x.png: image sizes differ: restored is 64×64, reference is 80×48"), sizes.stderr)
        let unknown = try run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "lpips", "--weights", "resnet=/x.pth"])
        XCTAssertEqual(unknown.status, 64, unknown.stderr)
        XCTAssertTrue(unknown.stderr.contains("unknown weights name 'resnet'; known: alexnet, vgg16, lpips-alex, lpips-vgg, dists"), unknown.stderr)
        let malformed = try run(["evaluate", "--restored", restored, "--reference", reference, "--metrics", "lpips", "--weights", "alexnet"])
        XCTAssertEqual(malformed.status, 64, malformed.stderr)
        XCTAssertTrue(malformed.stderr.contains("--weights takes NAME=PATH"), malformed.stderr)
        let noReference = try run(["evaluate", "--restored", restored, "--metrics", "lpips"])
        XCTAssertEqual(noReference.status, 64, noReference.stderr)
        XCTAssertTrue(noReference.stderr.contains("lpips compares against references: give --reference"), noReference.stderr)
    }
}
