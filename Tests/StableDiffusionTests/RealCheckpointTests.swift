import Foundation
import StableDiffusion
import WildTensor
import XCTest

/// The published SD-1.5 single file, when `WILDIR_SD15_CHECKPOINT` gives its path (`v1-5-pruned-emaonly.safetensors`
/// or `.ckpt`, 4 GB, not in the repository): loads its VAE strictly, decodes a random latent and encodes a smooth image.
final class RealCheckpointTests: XCTestCase {
    func testPublishedCheckpointVAELoadsAndDecodes() throws {
        guard let path = ProcessInfo.processInfo.environment["WILDIR_SD15_CHECKPOINT"], !path.isEmpty else {
            throw XCTSkip("set WILDIR_SD15_CHECKPOINT to the path of v1-5-pruned-emaonly.safetensors (or .ckpt) to run this test")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("WILDIR_SD15_CHECKPOINT=\(path) does not exist")
        }
        let start = Date()
        let vae = try AutoencoderKL.load(singleFile: URL(fileURLWithPath: path))
        print(String(format: "SD-1.5 VAE loaded in %.1f s", Date().timeIntervalSince(start)))
        var generator = TensorRandom(seed: 1)
        // A 32² latent (256² image) keeps the test to seconds; the decoder is the same at 64².
        let latent = generator.normal([1, 4, 32, 32]) * (1 / vae.configuration.scalingFactor)
        let decodeStart = Date()
        let image = try withNoGrad { try vae.decode(latent) }
        print(String(format: "decoded a 32² latent in %.1f s", Date().timeIntervalSince(decodeStart)))
        XCTAssertEqual(image.shape, [1, 3, 256, 256])
        XCTAssertTrue(image.values.allSatisfy(\.isFinite))
        // A smooth colour ramp survives encode → decode (the VAE reconstructs such images well above 20 dB).
        let ramp = Tensor(shape: [1, 3, 64, 64], values: (0..<3 * 64 * 64).map { i in
            let (c, y, x) = (i / 4096, (i / 64) % 64, i % 64)
            return Float(c + 1) / 3 * (Float(x + y) / 126) * 1.6 - 0.8
        })
        let reconstruction = try withNoGrad { try vae.decode(try vae.encode(ramp).mode()) }
        let mse = zip(reconstruction.values, ramp.values).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(ramp.count)
        let psnr = 10 * log10(4 / mse)  // range [-1, 1]
        print(String(format: "encode → decode of a ramp: %.1f dB", psnr))
        XCTAssertGreaterThan(psnr, 20)
    }
}
