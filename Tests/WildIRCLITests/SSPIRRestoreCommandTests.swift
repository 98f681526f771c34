import Foundation
import Imaging
import TestSupport
import XCTest

/// `wildir restore --method sspir` as a user runs it, on a tiny random SSP-IR written in the official layouts
/// (``TinySSPIR``): a photo restored at its size with its caption from a captions file, the weights' memory and the
/// tiles said first, the comparison sheet; a photo larger than one `--tile` (the VAE on tiles too) at its size; a
/// photo the captions file lacks fails alone, naming the file; options of the other method, or missing ones, are
/// refused before anything loads.
final class SSPIRRestoreCommandTests: CLITestCase {
    func testRestoringWithSSPIRFromTheCommandLine() throws {
        let root = try folder()
        let (sd, checkpoint) = try TinySSPIR().write(to: root)
        var samples = [Float](repeating: 0, count: 3 * 20 * 28)
        for i in samples.indices { samples[i] = Float((i * 37) % 101) / 100 }
        let photo = root.appendingPathComponent("photo.png"), other = root.appendingPathComponent("other.png")
        try Image(width: 28, height: 20, channels: 3, samples: samples).write(to: photo.path)
        try Image(width: 28, height: 20, channels: 3, samples: samples.reversed()).write(to: other.path)
        let captions = root.appendingPathComponent("captions.txt")
        try "photo\ta red flower in a garden\n".write(to: captions, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("out")
        let common = ["-o", out.path, "--method", "sspir", "--sd", sd.path, "--sspir", checkpoint.path,
                      "--clip-vision", TinySSPIR.clipVision.path, "--steps", "2", "--scheduler", "ddim"]
        let result = try run(["restore", photo.path, other.path] + common + ["--captions", captions.path, "--compare"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("GiB of weights"), result.stderr)
        XCTAssertTrue(result.stderr.contains("the VAE encodes and decodes tiles of 512 pixels"), result.stderr)
        XCTAssertTrue(result.stderr.contains("a red flower in a garden"), result.stderr)
        XCTAssertTrue(result.stderr.contains("other.png") && result.stderr.contains("captions.txt"), "the photo without a caption: \(result.stderr)")
        let restored = try Image(contentsOf: out.appendingPathComponent("photo.png").path)
        XCTAssertEqual([restored.width, restored.height, restored.channels], [28, 20, 3])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("photo_compare.png").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("other.png").path))

        let prompted = try run(["restore", other.path, "-o", root.appendingPathComponent("out2").path] + common.dropFirst(2)
                               + ["--prompt", "a wall", "--guidance", "1"])
        XCTAssertEqual(prompted.status, 0, prompted.stderr)

        // --tile 32 on a 44 × 30 photo (padded to 48 × 32): latent tiles of 16 and 32-pixel VAE tiles every 24 pixels
        // (2 × 2 of them).
        let wide = root.appendingPathComponent("wide.png")
        try Image(width: 44, height: 30, channels: 3, samples: (0..<(3 * 44 * 30)).map { Float(($0 * 53) % 97) / 96 }).write(to: wide.path)
        let tiled = try run(["restore", wide.path, "-o", root.appendingPathComponent("out3").path] + common.dropFirst(2)
                            + ["--prompt", "a wall", "--guidance", "1", "--tile", "32", "--overlap", "8"])
        XCTAssertEqual(tiled.status, 0, tiled.stderr)
        XCTAssertTrue(tiled.stderr.contains("the VAE encodes and decodes tiles of 32 pixels"), tiled.stderr)
        let wideRestored = try Image(contentsOf: root.appendingPathComponent("out3/wide.png").path)
        XCTAssertEqual([wideRestored.width, wideRestored.height, wideRestored.channels], [44, 30, 3])

        let missing = try run(["restore", photo.path, "-o", out.path, "--method", "sspir", "--sd", sd.path])
        XCTAssertEqual(missing.status, 64)
        XCTAssertTrue(missing.stderr.contains("--sspir"), missing.stderr)
        let mixed = try run(["restore", photo.path, "-o", out.path, "--prompt", "x"])
        XCTAssertEqual(mixed.status, 64)
        XCTAssertTrue(mixed.stderr.contains("--method sspir"), mixed.stderr)
        let both = try run(["restore", photo.path] + common + ["--prompt", "x", "--captions", captions.path])
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.contains("at most one"), both.stderr)
    }
}
