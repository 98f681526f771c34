import Checkpoints
import DACLIP
import Foundation
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The writers of Stable Diffusion's frozen parts, each the inverse of its reader: a configuration written and read
/// back is the same configuration; a VAE or text encoder written and loaded has the same parameters; and what is
/// written for a folder diffusers or transformers saved has that folder's config fields and tensors (names, shapes,
/// values).
final class ModelFolderWritingTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sd-writing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func json(_ object: [String: Any]) throws -> Data { try JSONSerialization.data(withJSONObject: object) }

    func testAutoencoderConfigurationsReadBackEqual() throws {
        let tiny = AutoencoderKLConfiguration(inChannels: 3, outChannels: 1, blockOutChannels: [8, 16, 16], layersPerBlock: 3,
                                              latentChannels: 6, normNumGroups: 4, scalingFactor: 0.13025)
        for configuration in [AutoencoderKLConfiguration.stableDiffusion15, tiny] {
            let read = try AutoencoderKLConfiguration(diffusersConfig: try json(configuration.diffusersConfig()), file: "vae/config.json")
            XCTAssertEqual(read, configuration)
        }
        XCTAssertEqual(AutoencoderKLConfiguration.stableDiffusion15.diffusersConfig()["scaling_factor"] as? Double, 0.18215)
    }

    func testTextEncoderConfigurationsReadBackEqual() throws {
        var other = CLIPTextConfiguration()
        (other.vocabSize, other.width, other.intermediateSize, other.layers, other.heads, other.contextLength, other.activation) =
            (120, 16, 40, 3, 4, 20, .gelu)
        for configuration in [CLIPTextConfiguration.stableDiffusion15, other] {
            let read = try CLIPTextConfiguration(configJSON: try json(configuration.transformersConfig()), file: "config.json")
            XCTAssertEqual(read, configuration)
        }
    }

    /// A random VAE written as `vae/` loads (as a pipeline folder) with its configuration and every parameter.
    func testAVAEWrittenLoadsIdentical() throws {
        var generator = TensorRandom(seed: 5)
        let vae = try AutoencoderKL(AutoencoderKLConfiguration(blockOutChannels: [4, 8], layersPerBlock: 1, normNumGroups: 2),
                                    generator: &generator)
        let folder = try temporaryFolder()
        try vae.write(diffusersFolder: folder.appendingPathComponent("vae"))
        let loaded = try AutoencoderKL.load(diffusersFolder: folder)
        XCTAssertEqual(loaded.configuration, vae.configuration)
        XCTAssertEqual(loaded.namedParameters().map(\.name), vae.namedParameters().map(\.name))
        XCTAssertEqual(loaded.namedParameters().map(\.tensor.values), vae.namedParameters().map(\.tensor.values))
    }

    /// A random text encoder (an MLP width that is not 4 × the width, GELU) written as `text_encoder/` loads with its
    /// configuration and every parameter.
    func testATextEncoderWrittenLoadsIdentical() throws {
        var c = CLIPTextConfiguration()
        (c.vocabSize, c.width, c.intermediateSize, c.layers, c.heads, c.contextLength, c.activation) = (50, 8, 20, 2, 2, 12, .gelu)
        var generator = TensorRandom(seed: 6)
        let model = try CLIPTextModel(c, generator: &generator)
        let folder = try temporaryFolder()
        try model.write(transformersFolder: folder.appendingPathComponent("text_encoder"))
        let loaded = try CLIPTextModel.load(contentsOf: folder)
        XCTAssertEqual(loaded.configuration, c)
        XCTAssertEqual(loaded.namedParameters().map(\.name), model.namedParameters().map(\.name))
        XCTAssertEqual(loaded.namedParameters().map(\.tensor.values), model.namedParameters().map(\.tensor.values))
    }

    /// The committed folders diffusers (`vae/`) and transformers (`text_encoder/`) saved, loaded and written again:
    /// every config field written is theirs with their value, and the tensors are theirs (transformers' unused
    /// `position_ids` buffer aside).
    func testWrittenFoldersAreTheReferenceLibrariesLayouts() throws {
        let folder = try temporaryFolder()
        let vaeReference = URL(fileURLWithPath: Fixtures.path("stable_diffusion", "diffusers", "vae"))
        try AutoencoderKL.load(diffusersFolder: vaeReference).write(diffusersFolder: folder.appendingPathComponent("vae"))
        try assertSameFolder(folder.appendingPathComponent("vae"), as: vaeReference, weights: "diffusion_pytorch_model.safetensors")

        let textReference = URL(fileURLWithPath: Fixtures.path("sd_text_encoder", "folder", "text_encoder"))
        try CLIPTextModel.load(contentsOf: textReference).write(transformersFolder: folder.appendingPathComponent("text_encoder"))
        try assertSameFolder(folder.appendingPathComponent("text_encoder"), as: textReference, weights: "model.safetensors",
                             ignoring: ["text_model.embeddings.position_ids"])
    }

    /// `written`'s config.json fields and `weights` tensors are `reference`'s (tensors in `ignoring` aside).
    private func assertSameFolder(_ written: URL, as reference: URL, weights: String, ignoring: Set<String> = [],
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try ModelFolderComparison.configDifferences(written: written.appendingPathComponent("config.json"),
                                                                   reference: reference.appendingPathComponent("config.json")),
                       [], file: file, line: line)
        XCTAssertEqual(try ModelFolderComparison.tensorDifferences(written: written.appendingPathComponent(weights),
                                                                   reference: reference.appendingPathComponent(weights),
                                                                   ignoring: ignoring),
                       [], file: file, line: line)
    }
}
