import DACLIP
import Foundation
import XCTest

/// `CLIPConfiguration`: the official presets, OpenCLIP model-config JSON, and the checks on every value that sizes a
/// tensor.
final class ConfigurationTests: XCTestCase {
    /// `da-clip/src/open_clip/model_configs/daclip_ViT-B-32.json` of the official repository (configuration data).
    let officialB32 = """
        {"embed_dim": 512, "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
         "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}, "custom_text": true}
        """
    /// `daclip_ViT-L-14.json`.
    let officialL14 = """
        {"embed_dim": 768, "vision_cfg": {"image_size": 224, "layers": 24, "width": 1024, "patch_size": 14},
         "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 768, "heads": 12, "layers": 12}, "custom_text": true}
        """

    func testPresetsAreTheOfficialModelConfigs() throws {
        XCTAssertEqual(try CLIPConfiguration(openCLIPJSON: Data(officialB32.utf8)), .daclipViTB32)
        XCTAssertEqual(try CLIPConfiguration(openCLIPJSON: Data(officialL14.utf8)), .daclipViTL14)
        XCTAssertEqual(CLIPConfiguration.daclipViTB32.vision.heads, 12)
        XCTAssertEqual(CLIPConfiguration.daclipViTL14.vision.heads, 16)
        XCTAssertEqual(CLIPConfiguration.daclipViTL14.vision.tokenCount, 257)
        try CLIPConfiguration.daclipViTB32.validate()
        try CLIPConfiguration.daclipViTL14.validate()
    }

    func testParameterCountOfViTB32IsTheOfficialOne() {
        // Unique parameters of the official DaCLIP ViT-B-32 (the visual alias counted once), counted in PyTorch.
        XCTAssertEqual(CLIPConfiguration.daclipViTB32.parameterCount, 246_213_634)
    }

    func testJSONRoundTripsAndTakesOpenCLIPDefaults() throws {
        let tiny = """
            {"embed_dim": 24, "quick_gelu": false, "vision_cfg": {"image_size": [32, 32], "layers": 2, "width": 32,
             "patch_size": 8, "head_width": 16, "patch_dropout": 0.5, "ls_init_value": null},
             "text_cfg": {"context_length": 16, "vocab_size": 300, "width": 48, "heads": 3, "layers": 2}}
            """
        let configuration = try CLIPConfiguration(openCLIPJSON: Data(tiny.utf8))
        XCTAssertEqual(configuration.vision.heads, 2)
        XCTAssertEqual(configuration.vision.mlpRatio, 4)
        XCTAssertEqual(try CLIPConfiguration(openCLIPJSON: configuration.openCLIPJSON()), configuration)
    }

    func testArchitecturesOtherThanDACLIPAreRefused() {
        func refuses(_ json: String, mentioning word: String, line: UInt = #line) {
            XCTAssertThrowsError(try CLIPConfiguration(openCLIPJSON: Data(json.utf8)), line: line) { error in
                XCTAssertTrue("\(error)".contains(word), "\(error)", line: line)
            }
        }
        refuses(#"{"embed_dim": 512, "quick_gelu": true}"#, mentioning: "quick_gelu")
        refuses(#"{"embed_dim": 512, "vision_cfg": {"layers": [3, 4, 6, 3]}}"#, mentioning: "ResNet")
        refuses(#"{"embed_dim": 512, "vision_cfg": {"attentional_pool": true}}"#, mentioning: "attentional_pool")
        refuses(#"{"embed_dim": 512, "text_cfg": {"hf_model_name": "roberta-base"}}"#, mentioning: "hf_model_name")
        refuses(#"{"embed_dim": 512, "text_cfg": {"widht": 512}}"#, mentioning: "text_cfg.widht")
        refuses(#"{"embed_dim": 512, "vision_cfg": {"image_size": [224, 160]}}"#, mentioning: "image_size")
        refuses(#"{"vision_cfg": {}}"#, mentioning: "embed_dim is missing")
        refuses(#"[1, 2]"#, mentioning: "not an object")
        refuses(#"{"embed_dim": 512, "embed_dim": 768}"#, mentioning: "twice")
    }

    func testValuesThatSizeTensorsAreRangeChecked() {
        func invalid(_ field: String, line: UInt = #line, _ change: (inout CLIPConfiguration) -> Void) {
            var configuration = CLIPConfiguration.daclipViTB32
            change(&configuration)
            XCTAssertThrowsError(try configuration.validate(), line: line) { error in
                guard case let DACLIPError.invalidConfiguration(name, reason) = error else { return XCTFail("\(error)", line: line) }
                XCTAssertEqual(name, field, reason, line: line)
            }
            XCTAssertThrowsError(try DACLIPModel(configuration: configuration), line: line)
        }
        invalid("embed_dim") { $0.embedDim = 0 }
        invalid("vision_cfg.width") { $0.vision.width = -768 }
        invalid("vision_cfg.head_width") { $0.vision.headWidth = 100 }
        invalid("vision_cfg.patch_size") { $0.vision.patchSize = 300 }
        invalid("vision_cfg.image_size") { $0.vision.imageSize = 1 << 20 }
        invalid("vision_cfg.image_size") { $0.vision.patchSize = 1 }
        invalid("vision_cfg.layers") { $0.vision.layers = 0 }
        invalid("vision_cfg.mlp_ratio") { $0.vision.mlpRatio = .nan }
        invalid("vision heads") { $0.vision.explicitHeads = 7 }
        invalid("text_cfg.vocab_size") { $0.text.vocabSize = Int.max }
        invalid("text_cfg.context_length") { $0.text.contextLength = 0 }
        invalid("text_cfg.heads") { $0.text.heads = 7 }
        invalid("text_cfg.width") { $0.text.width = 100_000 }
        invalid("configuration") { $0.text.layers = 128; $0.text.width = 8192; $0.text.heads = 64 }
    }
}
