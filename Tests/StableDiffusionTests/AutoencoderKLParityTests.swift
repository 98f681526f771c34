import Checkpoints
import Foundation
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// A tiny `AutoencoderKL` (blocks (32, 64), 2 layers, 8 groups) against diffusers on random weights, loaded from the
/// diffusers folder and from the single-file LDM layout (`Tests/Fixtures/stable_diffusion`).
final class AutoencoderKLParityTests: XCTestCase {
    static let tiny = AutoencoderKLConfiguration(blockOutChannels: [32, 64], layersPerBlock: 2, normNumGroups: 8)

    /// Encodes the fixture's image and decodes its latent; returns the relative errors (mean, logvar, decoded).
    func parity(_ vae: AutoencoderKL, _ label: String) throws -> (mean: Tensor, logvar: Tensor, decoded: Tensor) {
        let io = try StableDiffusionFixture("vae-io.safetensors")
        let (posterior, decoded) = try withNoGrad {
            (try vae.encode(try io.tensor("image")), try vae.decode(try io.tensor("latent")))
        }
        for (name, value) in [("mean", posterior.mean), ("logvar", posterior.logvar), ("decoded", decoded)] {
            let expected = try io.array(name)
            XCTAssertEqual(value.shape, expected.shape, name)
            let error = relativeError(value.values, expected.values)
            print(String(format: "AutoencoderKL (%@) %@: relative error %.2e", label, name, error))
            XCTAssertLessThanOrEqual(error, 1e-4, "\(label) \(name)")
        }
        return (posterior.mean, posterior.logvar, decoded)
    }

    func testDiffusersFolderLoadsStrictlyAndMatchesDiffusers() throws {
        let vae = try AutoencoderKL.load(diffusersFolder: StableDiffusionFixture.url("diffusers"))
        XCTAssertEqual(vae.configuration, Self.tiny)
        _ = try parity(vae, "diffusers folder")
        // The vae folder itself is accepted too.
        XCTAssertNoThrow(try AutoencoderKL.load(diffusersFolder: StableDiffusionFixture.url("diffusers", "vae")))
    }

    func testSingleFileLoadsStrictlyAndGivesTheSameOutputsAsTheFolder() throws {
        let fromFolder = try parity(try AutoencoderKL.load(diffusersFolder: StableDiffusionFixture.url("diffusers")), "diffusers folder")
        let single = try AutoencoderKL.load(singleFile: StableDiffusionFixture.url("ldm-vae.safetensors"), configuration: Self.tiny)
        let fromFile = try parity(single, "single file")
        XCTAssertEqual(fromFile.mean.values, fromFolder.mean.values)
        XCTAssertEqual(fromFile.decoded.values, fromFolder.decoded.values)
    }

    /// `.bin` in the diffusers folder and `.ckpt` single files go through the restricted PyTorch reader.
    func testPyTorchFilesOfBothLayoutsLoad() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sd-vae-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let vaeFolder = folder.appendingPathComponent("model/vae")
        try FileManager.default.createDirectory(at: vaeFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: StableDiffusionFixture.url("diffusers", "vae", "config.json"),
                                         to: vaeFolder.appendingPathComponent("config.json"))
        let diffusers = try SafeTensorsFile(contentsOf: StableDiffusionFixture.url("diffusers", "vae", "diffusion_pytorch_model.safetensors"))
        try TorchSaveWriter.write(try Self.floatTensors(diffusers), to: vaeFolder.appendingPathComponent("diffusion_pytorch_model.bin"))
        _ = try parity(try AutoencoderKL.load(diffusersFolder: folder.appendingPathComponent("model")), "diffusers .bin")

        let ldm = try SafeTensorsFile(contentsOf: StableDiffusionFixture.url("ldm-vae.safetensors"))
        let ckpt = folder.appendingPathComponent("tiny.ckpt")
        try TorchSaveWriter.write(try Self.floatTensors(ldm), to: ckpt)
        _ = try parity(try AutoencoderKL.load(singleFile: ckpt, configuration: Self.tiny), "single-file .ckpt")
    }

    static func floatTensors(_ file: SafeTensorsFile) throws -> [(name: String, shape: [Int], values: [Float])] {
        try file.names.map { name in
            let tensor = try file.tensor(name)
            return (name, tensor.shape, tensor.floatValues())
        }
    }

    /// sample = mean + exp(logvar/2)·ε with ε the generator's normals; the same seed gives the same sample; the mode is
    /// the mean; logvar is clamped to [-30, 20].
    func testPosteriorSampleIsMeanPlusStdTimesSeededNoise() throws {
        let means = (0..<16).map { Float($0) * 0.25 - 1 }
        let logvars: [Float] = [-50, -2, 0, 1, 2, 3, 25, 0.5, -1, -0.5, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7]
        let posterior = DiagonalGaussianDistribution(moments: Tensor(shape: [1, 8, 2, 2], values: means + logvars))
        XCTAssertEqual(posterior.mean.values, means)
        XCTAssertEqual(posterior.logvar.values.min(), -30)
        XCTAssertEqual(posterior.logvar.values.max(), 20)
        var a = TensorRandom(seed: 9), b = TensorRandom(seed: 9), c = TensorRandom(seed: 9)
        let sample = posterior.sample(generator: &a)
        XCTAssertEqual(sample.values, posterior.sample(generator: &b).values)
        let noise = c.normal([1, 4, 2, 2]).values
        for i in 0..<16 {
            let expected = posterior.mean.values[i] + Foundation.exp(posterior.logvar.values[i] / 2) * noise[i]
            XCTAssertEqual(sample.values[i], expected, accuracy: 1e-5 * max(1, abs(expected)))
        }
        XCTAssertEqual(posterior.mode().values, posterior.mean.values)
    }

    func testWrongInputShapesAreTypedErrors() throws {
        var generator = TensorRandom(seed: 1)
        let vae = try AutoencoderKL(Self.tiny, generator: &generator)
        XCTAssertThrowsError(try vae.encode(Tensor.zeros([1, 4, 8, 8]))) { XCTAssertTrue($0 is StableDiffusionError) }
        XCTAssertThrowsError(try vae.decode(Tensor.zeros([1, 3, 8, 8]))) { XCTAssertTrue($0 is StableDiffusionError) }
        XCTAssertThrowsError(try AutoencoderKL(.init(blockOutChannels: [30]), generator: &generator))
    }
}
