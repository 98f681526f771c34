import Checkpoints
import DACLIP
import Foundation
@testable import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The text encoder against HF transformers' `CLIPTextModel` (`last_hidden_state`, float64) on a tiny random model
/// saved in SD's layouts (`Tests/Fixtures/sd_text_encoder`, from `Tools/fixtures/sd_text_encoder.py`).
final class TextEncoderParityTests: XCTestCase {
    private var reference: ReferenceFile!

    override func setUpWithError() throws { reference = try ReferenceFile("sd_text_encoder", "reference.safetensors") }

    private func url(_ path: String) -> URL { URL(fileURLWithPath: Fixtures.path("sd_text_encoder", path)) }

    private func assertMatches(_ model: CLIPTextModel, tokens: String, hidden: String, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let output = try withNoGrad { try model(try reference.rows(tokens)) }
        let expected = try reference.array(hidden)
        XCTAssertEqual(output.shape, expected.shape, hidden, file: file, line: line)
        let error = relativeError(output.values, expected.values)
        XCTAssertLessThanOrEqual(error, 1e-5, hidden, file: file, line: line)
        print("parity \(hidden): relative error \(String(format: "%.2e", error))")
    }

    /// The diffusers folder (root or `text_encoder/`), the torch.save file and the single-file SD checkpoint load to
    /// the same encoder, which matches transformers on 77-id and shorter rows.
    func testEveryLayoutMatchesTransformers() throws {
        for path in ["folder", "folder/text_encoder", "bin", "single.safetensors", "folder/text_encoder/model.safetensors"] {
            let model = try CLIPTextModel.load(contentsOf: url(path))
            XCTAssertEqual(model.configuration.activation, .quickGELU, path)
            // Without config.json the heads are guessed 64 wide: at least one for this width of 32.
            XCTAssertEqual(model.configuration.heads, path.hasSuffix(".safetensors") ? 1 : 4, path)
            if !path.hasSuffix(".safetensors") {
                try assertMatches(model, tokens: "tokens", hidden: "hidden.tokens")
                try assertMatches(model, tokens: "short", hidden: "hidden.short")
            }
        }
    }

    /// A lone weights file has no config.json: a configuration given by the caller is used as it is (SD 1.5's
    /// does not fit the tiny model, and the error names the file's keys).
    func testALoneFileTakesTheConfigurationItIsGiven() throws {
        var configuration = CLIPTextConfiguration()
        (configuration.vocabSize, configuration.width, configuration.intermediateSize) = (99, 32, 37)
        (configuration.layers, configuration.heads) = (2, 4)
        for path in ["single.safetensors", "folder/text_encoder/model.safetensors"] {
            let model = try CLIPTextModel.load(contentsOf: url(path), configuration: configuration)
            try assertMatches(model, tokens: "tokens", hidden: "hidden.tokens")
            XCTAssertThrowsError(try CLIPTextModel.load(contentsOf: url(path), configuration: .stableDiffusion15)) { error in
                guard case let .stateDictMismatch(_, missing, _, wrongShape)? = error as? TextEncoderError else { return XCTFail("\(error)") }
                XCTAssertTrue(missing.contains { $0.hasSuffix("encoder.layers.11.mlp.fc2.bias") }, "\(missing.prefix(3))")
                XCTAssertTrue(wrongShape.contains { $0.hasSuffix("embeddings.token_embedding.weight ([99, 32] in the file, [49408, 768] expected)") })
            }
        }
    }

    /// Exact GELU from config.json, keys without prefix (transformers 5's save_pretrained); the activation matters.
    func testGELUModelFromTransformers5Layout() throws {
        let model = try CLIPTextModel.load(contentsOf: url("gelu"))
        XCTAssertEqual(model.configuration.activation, .gelu)
        try assertMatches(model, tokens: "tokens", hidden: "gelu.hidden.tokens")
        var wrong = model.configuration
        wrong.activation = .quickGELU
        let quick = try CLIPTextModel.load(contentsOf: url("gelu/model.safetensors"), configuration: wrong)
        let output = try withNoGrad { try quick(try reference.rows("tokens")) }
        XCTAssertGreaterThan(relativeError(output.values, try reference.array("gelu.hidden.tokens").values), 1e-3)
    }

    private func hfTensors() throws -> [(name: String, tensor: StoredTensor)] {
        try CheckpointFile.contents(of: url("folder/text_encoder/model.safetensors")).tensors
    }

    func testStrictLoadingNamesTheKeys() throws {
        var configuration = CLIPTextConfiguration()
        configuration.heads = 4
        let tensors = try hfTensors()
        func mismatch(_ edit: ([(name: String, tensor: StoredTensor)]) throws -> [(name: String, tensor: StoredTensor)])
            throws -> (missing: [String], unexpected: [String], wrongShape: [String]) {
            do {
                _ = try CLIPTextModel.load(tensors: try edit(tensors), file: "x", configuration: configuration, sizesFromShapes: true)
            } catch let TextEncoderError.stateDictMismatch(_, missing, unexpected, wrongShape) {
                return (missing, unexpected, wrongShape)
            }
            XCTFail("loaded")
            return ([], [], [])
        }
        let dropped = try mismatch { $0.filter { $0.name != "text_model.encoder.layers.1.self_attn.k_proj.bias" } }
        XCTAssertEqual(dropped.missing, ["text_model.encoder.layers.1.self_attn.k_proj.bias"])
        let extra = try mismatch { $0 + [("text_model.encoder.layers.0.mlp.fc3.weight", try StoredTensor(shape: [1], float32: [0]))] }
        XCTAssertEqual(extra.unexpected, ["text_model.encoder.layers.0.mlp.fc3.weight"])
        let outside = try mismatch { $0 + [("text_projection.weight", try StoredTensor(shape: [1], float32: [0]))] }
        XCTAssertEqual(outside.unexpected, ["text_projection.weight"])
        let reshaped = try mismatch { list in
            try list.map { $0.name == "text_model.final_layer_norm.bias" ? ($0.name, try StoredTensor(shape: [31], float32: .init(repeating: 0, count: 31))) : $0 }
        }
        XCTAssertEqual(reshaped.wrongShape.count, 1)
        XCTAssertTrue(reshaped.wrongShape[0].hasPrefix("text_model.final_layer_norm.bias"))
        let poisoned = try tensors.map { $0.name.hasSuffix("fc2.bias") ? ($0.name, try StoredTensor(shape: [32], float32: [.nan] + .init(repeating: 0, count: 31))) : $0 }
        XCTAssertThrowsError(try CLIPTextModel.load(tensors: poisoned)) {
            guard case .nonFiniteWeight? = $0 as? TextEncoderError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try CLIPTextModel.load(tensors: tensors.map { ("unet." + $0.name, $0.tensor) })) {
            guard case .unrecognisedCheckpoint? = $0 as? TextEncoderError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try CLIPTextModel.load(contentsOf: url("missing-folder")))
    }

    func testBadConfigurationAndTokensAreTypedErrors() throws {
        XCTAssertThrowsError(try CLIPTextConfiguration(configJSON: Data(#"{"hidden_act": "gelu_new"}"#.utf8), file: "c.json")) {
            guard case .invalidConfiguration(field: "hidden_act", _)? = $0 as? TextEncoderError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try CLIPTextConfiguration(configJSON: Data(#"{"hidden_size": "big"}"#.utf8), file: "c.json"))
        let parsed = try CLIPTextConfiguration(configJSON: Data(#"{"text_config": {"hidden_size": 64, "num_attention_heads": 2}}"#.utf8), file: "c.json")
        XCTAssertEqual(parsed.width, 64)
        XCTAssertEqual(parsed.heads, 2)
        // A folder's config.json rules: weights of other sizes are a mismatch naming the keys.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("text-encoder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: url("folder/text_encoder/model.safetensors"), to: folder.appendingPathComponent("model.safetensors"))
        try Data(#"{"hidden_size": 64, "num_attention_heads": 4, "vocab_size": 99, "intermediate_size": 37, "num_hidden_layers": 2}"#.utf8)
            .write(to: folder.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try CLIPTextModel.load(contentsOf: folder)) { error in
            guard case let .stateDictMismatch(_, _, _, wrongShape)? = error as? TextEncoderError else { return XCTFail("\(error)") }
            XCTAssertTrue(wrongShape.contains("text_model.final_layer_norm.weight ([32] in the file, [64] expected)"), "\(wrongShape.prefix(3))")
        }
        let model = try CLIPTextModel.load(contentsOf: url("folder"))
        XCTAssertThrowsError(try model([])) { XCTAssertTrue($0 is TextEncoderError) }
        XCTAssertThrowsError(try model([[1, 2], [3]]))
        XCTAssertThrowsError(try model([[1, 99]]))
        XCTAssertThrowsError(try model([Array(repeating: 1, count: 78)]))
    }
}
