import Checkpoints
import Foundation
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The LDM → diffusers name map on SD-1.5's full VAE key set (names and shapes from diffusers, the original names
/// checked against diffusers' `convert_ldm_vae_checkpoint`: `Tests/Fixtures/stable_diffusion/sd15-vae-keys.json`), and
/// the strict loaders' errors.
final class LDMKeyMapTests: XCTestCase {
    /// {"diffusers": {name: shape}, "original": {name: shape}}.
    static func keySets() throws -> (diffusers: [String: [Int]], original: [String: [Int]]) {
        guard let json = try Fixtures.json("stable_diffusion", "sd15-vae-keys.json") as? [String: [String: [Int]]],
              let diffusers = json["diffusers"], let original = json["original"] else {
            throw StableDiffusionFixture.FixtureMissing(key: "sd15-vae-keys.json: diffusers/original")
        }
        return (diffusers, original)
    }

    /// SD-1.5's VAE as built here has exactly diffusers' 248 names and shapes (83,653,863 parameters).
    func testStableDiffusion15ConfigurationHasDiffusersKeysAndShapes() throws {
        let (diffusers, _) = try Self.keySets()
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(.stableDiffusion15, generator: &generator)
        let built = Dictionary(uniqueKeysWithValues: vae.namedParameters().map { ($0.name, $0.tensor.shape) })
        XCTAssertEqual(built.count, 248)
        XCTAssertEqual(built, diffusers)
        XCTAssertEqual(vae.parameterCount, 83_653_863)
        XCTAssertNil(vae.weightsMismatch(diffusers, file: "sd15"))
    }

    /// Every original key maps onto its diffusers key and shape (attention 1×1 convolutions onto Linears), and back.
    func testOriginalNamesMapOntoDiffusersNamesAndBack() throws {
        let (diffusers, original) = try Self.keySets()
        let map = LDMKeyMap.autoencoderKL(.stableDiffusion15)
        var mapped: [String: [Int]] = [:]
        for (name, shape) in original {
            XCTAssertTrue(name.hasPrefix(map.prefix), name)
            guard let (key, newShape) = map.diffusers(String(name.dropFirst(map.prefix.count)), shape: shape) else {
                XCTFail("no rule covers \(name)")
                continue
            }
            XCTAssertNil(mapped[key], "two originals give \(key)")
            mapped[key] = newShape
            XCTAssertEqual(map.original(key), name)
        }
        XCTAssertEqual(mapped, diffusers)
        XCTAssertEqual(map.diffusers("decoder.up.3.block.0.nin_shortcut.weight", shape: [512, 512, 1, 1])?.name,
                       "decoder.up_blocks.0.resnets.0.conv_shortcut.weight")
        XCTAssertNil(map.diffusers("decoder.up.4.block.0.conv1.weight", shape: [1]))
    }

    /// A partial or misshapen full-size key set is refused naming the keys as the file does.
    func testPartialAndWrongFullSizeKeySetsNameTheKeys() throws {
        let (_, original) = try Self.keySets()
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(.stableDiffusion15, generator: &generator)
        let map = LDMKeyMap.autoencoderKL(.stableDiffusion15)
        func check(_ shapes: [String: [Int]]) -> String? {
            var renamed: [String: [Int]] = [:], names: [String: String] = [:]
            for (name, shape) in shapes {
                let key = String(name.dropFirst(map.prefix.count))
                let (diffusersName, newShape) = map.diffusers(key, shape: shape) ?? (key, shape)
                renamed[diffusersName] = newShape
                names[diffusersName] = name
            }
            return vae.weightsMismatch(renamed, file: "v1-5.safetensors", originalNames: names, map: map)?.description
        }
        XCTAssertNil(check(original))
        var partial = original
        partial["first_stage_model.decoder.mid.attn_1.q.weight"] = nil
        partial["first_stage_model.encoder.down.1.block.0.nin_shortcut.bias"] = nil
        partial["first_stage_model.decoder.up.9.block.0.conv1.weight"] = [3]
        partial["first_stage_model.decoder.up.0.block.2.conv2.weight"] = [128, 128, 1, 1]
        let message = try XCTUnwrap(check(partial))
        print(message)
        for name in ["first_stage_model.decoder.mid.attn_1.q.weight", "first_stage_model.encoder.down.1.block.0.nin_shortcut.bias",
                     "first_stage_model.decoder.up.9.block.0.conv1.weight", "first_stage_model.decoder.up.0.block.2.conv2.weight"] {
            XCTAssertTrue(message.contains(name), "\(name) not named in: \(message)")
        }
        XCTAssertTrue(message.contains("missing keys (2)") && message.contains("unexpected keys (1)") && message.contains("shape mismatches (1)"))
    }

    /// A tiny single file with a key removed, a key added and one reshaped: the loader refuses it and names each.
    func testPartialSingleFileIsRefusedNamingTheKeys() throws {
        let file = try SafeTensorsFile(contentsOf: StableDiffusionFixture.url("ldm-vae.safetensors"))
        var tensors: [(name: String, tensor: StoredTensor)] = file.names
            .filter { $0 != "first_stage_model.encoder.mid.attn_1.k.bias" }
            .compactMap { name in file.tensors[name].map { (name, $0) } }
        tensors.append(("first_stage_model.encoder.down.0.block.5.conv1.weight", try StoredTensor(shape: [1], float32: [0])))
        let index = try XCTUnwrap(tensors.firstIndex { $0.name == "first_stage_model.post_quant_conv.bias" })
        tensors[index].tensor = try StoredTensor(shape: [5], float32: [0, 0, 0, 0, 0])
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(AutoencoderKLParityTests.tiny, generator: &generator)
        XCTAssertThrowsError(try vae.loadOriginalState(tensors, file: "tiny.safetensors")) { error in
            let message = String(describing: error)
            XCTAssertTrue(error is StableDiffusionError)
            for name in ["first_stage_model.encoder.mid.attn_1.k.bias", "first_stage_model.encoder.down.0.block.5.conv1.weight",
                         "first_stage_model.post_quant_conv.bias"] {
                XCTAssertTrue(message.contains(name), "\(name) not named in: \(message)")
            }
        }
        // A diffusers file in place of an original one has nothing under first_stage_model.
        let diffusers = try SafeTensorsFile(contentsOf: StableDiffusionFixture.url("diffusers", "vae", "diffusion_pytorch_model.safetensors"))
        XCTAssertThrowsError(try vae.loadOriginalState(try diffusers.names.map { ($0, try diffusers.tensor($0)) }, file: "x")) {
            XCTAssertTrue(String(describing: $0).contains("first_stage_model."))
        }
        // And a tiny file for the full-size configuration names the shape mismatches.
        XCTAssertThrowsError(try AutoencoderKL.load(singleFile: StableDiffusionFixture.url("ldm-vae.safetensors"))) {
            XCTAssertTrue(String(describing: $0).contains("shape mismatches"), String(describing: $0))
        }
    }

    func testDiffusersFolderErrorsSayWhatIsMissing() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sd-vae-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertThrowsError(try AutoencoderKL.load(diffusersFolder: folder)) { XCTAssertTrue(String(describing: $0).contains("config.json")) }
        let config = try Data(contentsOf: StableDiffusionFixture.url("diffusers", "vae", "config.json"))
        try config.write(to: folder.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try AutoencoderKL.load(diffusersFolder: folder)) {
            XCTAssertTrue(String(describing: $0).contains("diffusion_pytorch_model.safetensors"))
        }
        let other = String(decoding: config, as: UTF8.self).replacingOccurrences(of: "\"silu\"", with: "\"gelu\"")
        XCTAssertThrowsError(try AutoencoderKLConfiguration(diffusersConfig: Data(other.utf8), file: "c.json")) {
            XCTAssertTrue(String(describing: $0).contains("act_fn"))
        }
        let parsed = try AutoencoderKLConfiguration(diffusersConfig: config, file: "config.json")
        XCTAssertEqual(parsed, AutoencoderKLParityTests.tiny)
    }
}
