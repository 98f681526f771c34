import Foundation
import TestSupport
import WildIR
import XCTest

/// A temporary folder removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("wildir-evaluate-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A subfolder, created.
    func folder(_ name: String) throws -> String {
        let sub = (path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        return sub
    }
}

/// The metric fixtures of Tools/fixtures/metrics.py (scikit-image values, cross-checked with BasicSR), written out as
/// image files so the evaluator and the CLI read them like user data.
enum EvaluationFixtures {
    /// The 8-bit crop `file` (e.g. "astronaut_noise25.npy") from Tests/Fixtures/metrics.
    static func image(_ file: String) throws -> Image {
        try NPYArray.fixture("metrics", file).image(scale: 1.0 / 255)
    }

    /// Writes fixture `file` to `folder/name` (format from the extension; WebP is written lossless).
    @discardableResult
    static func write(_ file: String, to folder: String, as name: String) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try image(file).write(to: path, options: EncodeOptions(webpLossless: true))
        return path
    }

    /// The reference PSNR and SSIM of a manifest case.
    static func expected(_ restored: String, onY: Bool, cropBorder: Int) throws -> (psnr: Double, ssim: Double) {
        let manifest = try XCTUnwrap(Fixtures.json("metrics", "manifest.json") as? [String: Any])
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        let match = try XCTUnwrap(cases.first {
            $0["restored"] as? String == restored && $0["y_channel"] as? Bool == onY && $0["crop_border"] as? Int == cropBorder
        }, "no manifest case for \(restored)")
        return (try XCTUnwrap(match["psnr"] as? Double), try XCTUnwrap(match["ssim"] as? Double))
    }

    /// pyiqa 0.1.16's `psnry` and `ssim` of a crop pair (Tools/fixtures/pyiqa_metrics.py).
    static func expectedPyiqa(_ restored: String, cropBorder: Int) throws -> (psnr: Double, ssim: Double) {
        let manifest = try XCTUnwrap(Fixtures.json("metrics", "pyiqa.json") as? [String: Any])
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        let match = try XCTUnwrap(cases.first {
            $0["kind"] as? String == "crop" && $0["restored"] as? String == restored && $0["crop_border"] as? Int == cropBorder
        }, "no pyiqa case for \(restored)")
        return (try XCTUnwrap(match["psnr_pyiqa"] as? Double), try XCTUnwrap(match["ssim_pyiqa"] as? Double))
    }

    /// Three realistic pairs: RGB with noise (PNG), RGB after JPEG q=20 (stored as lossless WebP), gray blurred.
    static let pairs = [("astronaut_noise25.npy", "astronaut_reference.npy", "astronaut"),
                        ("chelsea_jpeg20.npy", "chelsea_reference.npy", "chelsea"),
                        ("camera_blur.npy", "camera_reference.npy", "camera")]

    /// Writes ``pairs`` into `restored/` and `reference/` of `folder`; returns the two folder paths.
    static func writePairs(in folder: TemporaryFolder) throws -> (restored: String, reference: String) {
        let restored = try folder.folder("restored"), reference = try folder.folder("reference")
        for (degraded, clean, name) in pairs {
            try write(degraded, to: restored, as: name + (name == "chelsea" ? ".webp" : ".png"))
            try write(clean, to: reference, as: name + ".png")
        }
        return (restored, reference)
    }
}
