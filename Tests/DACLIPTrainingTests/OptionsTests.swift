import Configuration
import DACLIP
import DACLIPTraining
import XCTest

/// Options read through the one options loader: defaults, the recipe file, and errors that name the key path.
final class OptionsTests: XCTestCase {
    func load(_ yaml: String) throws -> DACLIPTrainingOptions { try DACLIPTrainingOptions(yaml: yaml, file: "test.yml") }

    /// The error message of loading `yaml`.
    func failure(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try load(yaml)
            XCTFail("accepted: \(yaml)", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testDefaultsFollowTheOfficialScripts() throws {
        let o = try load("")
        XCTAssertEqual(o.train.lr, 2e-5)
        XCTAssertEqual(o.train.weightDecay, 0.05)
        XCTAssertEqual(o.train.beta2, 0.98)
        XCTAssertEqual(o.train.eps, 1e-6)
        XCTAssertEqual(o.train.warmup, 100)
        XCTAssertEqual(o.data.degradation, .wild)
        XCTAssertFalse(o.data.mild.enabled)
        XCTAssertEqual(o.model.initialController, .official)
        XCTAssertEqual(try o.model.configuration(file: "test.yml"), .daclipViTB32)
        XCTAssertNil(o.validation)
    }

    func testNestedSettingsAndInlineModelConfigurationAreRead() throws {
        let o = try load("""
            data: {crop_size: 64, scales: [0.5, 0.25], mild: {enabled: true, probability: 0.5, text: unchanged,
                   settings: {noiseProbability: 0.9}}}
            model:
              config:
                embed_dim: 8
                vision_cfg: {image_size: 16, patch_size: 8, width: 16, layers: 2, head_width: 8}
                text_cfg: {context_length: 77, vocab_size: 49408, width: 8, heads: 2, layers: 1}
            train: {batch_size: 8, iterations: 10, warmup: 2, fidelity_weight: 0.5}
            validation: {dataroot: held-out, count: 20}
            """)
        XCTAssertEqual(o.data.cropSize, 64)
        XCTAssertEqual(o.data.mild.text, .unchanged)
        XCTAssertEqual(try o.data.mildPipeline(file: "test.yml")?.noiseProbability, 0.9)
        XCTAssertEqual(try o.model.configuration(file: "test.yml"), TinyRun.configuration)
        XCTAssertEqual(o.validation?.count, 20)
        XCTAssertEqual(o.train.fidelityWeight, 0.5)
    }

    func testErrorsNameTheKeyPath() {
        XCTAssertTrue(failure("data: {crop_size: 4}").contains("data.crop_size"))
        XCTAssertTrue(failure("data: {scales: [0]}").contains("data.scales"))
        XCTAssertTrue(failure("data: {mild: {probability: 2}}").contains("data.mild.probability"))
        XCTAssertTrue(failure("data: {mild: {text: loud}}").contains("data.mild.text"))
        XCTAssertTrue(failure("data: {mild: {text: loud}}").contains("merged, unchanged"))
        XCTAssertTrue(failure("data: {degradation: rain}").contains("data.degradation"))
        XCTAssertTrue(failure("train: {warmup: 10, iterations: 10}").contains("train.warmup"))
        XCTAssertTrue(failure("train: {batch_size: 1}").contains("train.batch_size"))
        XCTAssertTrue(failure("train: {lr: 0}").contains("train.lr"))
        XCTAssertTrue(failure("train: {optimizer: SGD}").contains("train.optimizer"))
        XCTAssertTrue(failure("validation: {count: 3}").contains("validation.dataroot"))
        XCTAssertTrue(failure("model: {pretrained: x.pt, train_text: true}").contains("model.train_text"))
        XCTAssertTrue(failure("model: {initial_controller: zeros}").contains("model.initial_controller"))
        let unknown = failure("train: {learning_rate: 0.1}")
        XCTAssertTrue(unknown.contains("train.learning_rate") && unknown.contains("lr"), unknown)
        XCTAssertTrue(failure("name: a/b").contains("name"))
    }

    func testModelConfigurationErrorsNameTheOption() throws {
        let o = try load("model: {config: ViT-Z-99}")
        XCTAssertThrowsError(try o.model.configuration(file: "test.yml")) { error in
            XCTAssertTrue("\(error)".contains("model.config 'ViT-Z-99'") && "\(error)".contains("daclip_ViT-B-32"), "\(error)")
        }
        let bad = try load("model: {config: {embed_dim: 8, vision_cfg: {quick_gelu: true}}}")
        XCTAssertThrowsError(try bad.model.configuration(file: "test.yml")) { error in
            XCTAssertTrue("\(error)".contains("model.config"), "\(error)")
        }
        XCTAssertEqual(try load("model: {config: ViT-L-14}").model.configuration(file: "t"), .daclipViTL14)
    }

    func testPlanRefusesValidationOnTheTrainingPhotosAndASmallVocabulary() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        var options = try TinyRun.options(directory, iterations: 2, test: self)
        options.validation?.dataroot = options.data.dataroot + "/"
        XCTAssertThrowsError(try DACLIPTrainingPlan(options: options)) { error in
            XCTAssertTrue("\(error)".contains("validation.dataroot is the training folder"), "\(error)")
        }
        options = try TinyRun.options(directory, iterations: 2, test: self)
        if case var .mapping(tree) = options.model.config, case var .mapping(text) = tree["text_cfg"] {
            text["vocab_size"] = .scalar("300")
            tree["text_cfg"] = .mapping(text)
            options.model.config = .mapping(tree)
        }
        XCTAssertThrowsError(try DACLIPTrainingPlan(options: options)) { error in
            XCTAssertTrue("\(error)".contains("vocab_size 300"), "\(error)")
        }
    }
}
