import Checkpoints
import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir analyze` and `wildir restore --daclip` on the official files of `Tools/fixtures/daclip_inference.py` (a
/// tiny random DA-CLIP `.pt`, a tiny random wild-IR `.pth`), checked against the official code's results.
final class DACLIPCommandTests: CLITestCase {
    static func path(_ name: String) -> String { Fixtures.path("daclip_inference", name) }
    let daclip = ["--daclip", path("daclip_tiny224.pt"), "--daclip-config", path("daclip_tiny224.json")]

    func fixture(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Self.path(name)))
    }

    func testAnalyzePrintsTheOfficialScoresAsJSON() throws {
        let analysis = try fixture("analysis.safetensors")
        let photos = ["chelsea", "camera"].map { Fixtures.path("images", "\($0).png") }
        let r = try run(["analyze"] + photos + daclip + ["--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], r.stdout)
        XCTAssertEqual(json.map { $0["image"] as? String }, photos)
        let universal = ["motion-blurry", "hazy", "jpeg-compressed", "low-light", "noisy", "raindrop", "rainy", "shadowed",
                         "snowy", "uncompleted"]
        var worst = 0.0
        for (entry, name) in zip(json, ["chelsea", "camera"]) {
            XCTAssertEqual(Set(entry.keys), ["image", "labels"])
            let labels = try XCTUnwrap(entry["labels"] as? [[String: Any]])
            XCTAssertEqual(labels.map { $0["label"] as? String }, universal, "labels in the order given")
            XCTAssertTrue(labels.allSatisfy { Set($0.keys) == ["label", "similarity", "probability"] })
            let similarity = labels.compactMap { $0["similarity"] as? Double }
            let probability = labels.compactMap { $0["probability"] as? Double }
            for (values, key) in [(similarity, "similarity"), (probability, "probability")] {
                let expected = try analysis.tensor("\(name)/crop/\(key)").doubleValues()
                XCTAssertEqual(values.count, expected.count)
                let difference = zip(values, expected).map { abs($0 - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(difference, 1e-4, "\(name) \(key)")
                worst = max(worst, difference)
            }
        }
        print("wildir analyze: largest difference from the official scores \(worst)")
    }

    /// `--daclip-precision bfloat16`: the same labels and probabilities as Float32 within bfloat16's rounding (or
    /// Float32 itself, with a note, on a CPU without AVX512-BF16); an unknown precision is refused.
    func testAnalyzeInBFloat16StaysCloseToFloat32() throws {
        let photo = Fixtures.path("images", "chelsea.png")
        func probabilities(_ extra: [String]) throws -> [Double] {
            let r = try run(["analyze", photo] + daclip + ["--format", "json"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
            return try XCTUnwrap(json.first?["labels"] as? [[String: Any]]).compactMap { $0["probability"] as? Double }
        }
        let exact = try probabilities([]), reduced = try probabilities(["--daclip-precision", "bfloat16"])
        XCTAssertEqual(exact.count, reduced.count)
        XCTAssertLessThanOrEqual(zip(exact, reduced).map { abs($0 - $1) }.max() ?? 1, 0.01)
        XCTAssertEqual(try run(["analyze", photo] + daclip + ["--daclip-precision", "half"]).status, 64)
    }

    func testAnalyzeTextTableListsTheMostProbableLabelsFirst() throws {
        let photo = Fixtures.path("images", "rocket.png")
        var r = try run(["analyze", photo] + daclip + ["--top", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.stdout)   // path, header, two labels
        XCTAssertEqual(lines[0], photo)
        let probabilities = lines.suffix(2).compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        XCTAssertEqual(probabilities.count, 2)
        XCTAssertGreaterThanOrEqual(probabilities[0], probabilities[1])
        // Own labels, in their order in JSON.
        r = try run(["analyze", photo] + daclip + ["--label", "rainy", "--label", "a photo at night", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let labels = try XCTUnwrap(json.first?["labels"] as? [[String: Any]])
        XCTAssertEqual(labels.map { $0["label"] as? String }, ["rainy", "a photo at night"])
        XCTAssertEqual(labels.compactMap { $0["probability"] as? Double }.reduce(0, +), 1, accuracy: 1e-9)
    }

    func testAnalyzeReportsBadInputsAndMissingWeights() throws {
        let root = try folder()
        let photo = Fixtures.path("images", "coffee.png"), missing = root.appendingPathComponent("missing.png").path
        var r = try run(["analyze", photo, missing] + daclip + ["--format", "json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("missing.png") && r.stderr.contains("1 of 2"), r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        XCTAssertEqual(json.count, 1, "the readable image is still reported")
        r = try run(["analyze", photo])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--daclip"), r.stderr)
        r = try run(["analyze", photo, "--daclip", Self.path("wild_ir_tiny.pth")])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("error"), r.stderr)
    }

    /// `wildir restore --steps 1` from the official x_T (the fixture draws WildIR's noise for the seed): the output is
    /// the official one-step `reverse_posterior` within 16-bit rounding, and the noise prediction it implies is the
    /// official `noise_fn` of test.py's first step within 1e-4.
    func testRestoreWithDACLIPMatchesTheOfficialFirstPosteriorStep() throws {
        let restoration = try fixture("restoration.safetensors")
        let out = try folder().appendingPathComponent("out")
        let seed = try XCTUnwrap(restoration.metadata["seed"])
        let r = try run(["restore", Self.path("restore_input.png"), "-o", out.path, "--model", Self.path("wild_ir_tiny.pth"),
                         "--config", Self.path("wild_ir_tiny.yml"), "--steps", "1", "--seed", seed] + daclip)
        XCTAssertEqual(r.status, 0, r.stderr)
        let output = try Image(contentsOf: out.appendingPathComponent("restore_input.png").path)
        XCTAssertEqual(ImageCodec.storedBitDepth(out.appendingPathComponent("restore_input.png").path), 16)
        let reference = try restoration.tensor("posterior_T1").doubleValues()
        let mu = try restoration.tensor("lq").doubleValues(), xT = try restoration.tensor("x_T").doubleValues()
        let official = try restoration.tensor("noise_prediction").doubleValues()
        // x̂0 = μ + (x_T − μ − σ̄_T ε̂)/eps for one step (e^{θ̄_T dt} = 1/eps), so ε̂ = (x_T − μ − eps (x̂0 − μ))/σ̄_T.
        let sde = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((restoration.metadata["sde"] ?? "").utf8)) as? [String: Any])
        let lambda = try XCTUnwrap(sde["max_sigma"] as? Double), eps = try XCTUnwrap(sde["eps"] as? Double)
        let sigmaBar = lambda * (1 - eps * eps).squareRoot()
        var levels = 0.0, squaredError = 0.0, squaredNorm = 0.0, compared = 0
        for i in reference.indices where reference[i] > 0 && reference[i] < 1 {
            let value = Double(output.samples[i])
            levels = max(levels, abs(value - reference[i]) * 65535)
            let implied = (xT[i] - mu[i] - eps * (value - mu[i])) / sigmaBar
            squaredError += (implied - official[i]) * (implied - official[i])
            squaredNorm += official[i] * official[i]
            compared += 1
        }
        let relative = (squaredError / squaredNorm).squareRoot()
        XCTAssertGreaterThan(compared, reference.count * 99 / 100)
        XCTAssertLessThanOrEqual(levels, 1, "16-bit levels from the official one-step output")
        XCTAssertLessThanOrEqual(relative, 1e-4, "relative error of the implied noise prediction")
        print("wildir restore --daclip: \(compared) samples within \(levels) 16-bit levels of the official output; "
              + "implied noise prediction relative error \(relative)")
    }

    func testRestoreRefusesMissingOrMismatchedDACLIP() throws {
        let out = try folder().appendingPathComponent("out")
        let network = ["--model", Self.path("wild_ir_tiny.pth"), "--config", Self.path("wild_ir_tiny.yml")]
        let input = Self.path("restore_input.png")
        // The network needs DA-CLIP.
        var r = try run(["restore", input, "-o", out.path] + network)
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("DA-CLIP") && r.stderr.contains("--daclip"), r.stderr)
        // A DA-CLIP of another width (the 24-d parity model, its configuration given inline).
        let parity = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("daclip", "daclip_tiny.safetensors")))
        r = try run(["restore", input, "-o", out.path] + network
                    + ["--daclip", Fixtures.path("daclip", "daclip_tiny.pt"), "--daclip-config", parity.metadata["config"] ?? ""])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("context_dim is 16"), r.stderr)
        // A network without DA-CLIP context.
        let tiny = try folder().appendingPathComponent("tiny.safetensors")
        try RestorationModel.tiny(steps: 2).write(to: tiny)
        r = try run(["restore", input, "-o", out.path, "--model", tiny.path] + daclip)
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("takes no DA-CLIP context"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("restore_input.png").path))
    }
}
