import Checkpoints
import DACLIP
import DACLIPTraining
import Foundation
import TestSupport
import WildTensor
import XCTest

/// Pretrained OpenCLIP weights go into `clip`, and the controller starts from them as the official
/// `initial_controller()` does (quirk included), checked against the official code's result.
final class InitialControllerTests: XCTestCase {
    let path = Fixtures.path("daclip_training", "initial_controller.safetensors")

    func fixture() throws -> (file: SafeTensorsFile, configuration: CLIPConfiguration) {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        return (file, try CLIPConfiguration(openCLIPJSON: Data((file.metadata["config"] ?? "").utf8)))
    }

    func openCLIPState(_ file: SafeTensorsFile) throws -> [(name: String, tensor: StoredTensor)] {
        try file.names.filter { $0.hasPrefix("openclip/") }.map { (String($0.dropFirst("openclip/".count)), try file.tensor($0, file: path)) }
    }

    func testOfficialInitialControllerIsReproducedWithItsQuirk() throws {
        let (file, configuration) = try fixture()
        let model = try DACLIPModel(configuration: configuration, seed: 1)
        try OpenCLIPWeights.load(try openCLIPState(file), into: model, file: path)
        OpenCLIPWeights.initialiseController(model, .official)
        var compared = 0
        for (name, tensor) in model.visualControl.namedParameters() {
            let expected = try file.tensor("controller/" + name, file: path)
            XCTAssertEqual(tensor.shape, expected.shape, name)
            XCTAssertEqual(tensor.values, expected.floatValues(), name)
            compared += 1
        }
        XCTAssertEqual(compared, file.names.filter { $0.hasPrefix("controller/") }.count)
        XCTAssertEqual(model.logitScale.values, try file.tensor("logit_scale", file: path).floatValues())
        // The quirk itself: zero_modules.0 holds CLIP's ln_post, the controller's ln_post is (1, 0).
        let lnPost = model.clip.visual.lnPost, zero = model.visualControl.transformer.zeroModules[0]
        XCTAssertEqual(Array(zero.weight.values.prefix(lnPost.weight.count)), lnPost.weight.values)
        XCTAssertEqual(zero.bias?.values, lnPost.bias.values)
        XCTAssertTrue(model.visualControl.lnPost.weight.values.allSatisfy { $0 == 1 })
    }

    func testCopyInitialisationStartsAsPlainCLIP() throws {
        let (file, configuration) = try fixture()
        let model = try DACLIPModel(configuration: configuration, seed: 1)
        try OpenCLIPWeights.load(try openCLIPState(file), into: model, file: path)
        OpenCLIPWeights.initialiseController(model, .copy)
        XCTAssertEqual(model.visualControl.lnPost.weight.values, model.clip.visual.lnPost.weight.values)
        for layer in model.visualControl.transformer.zeroModules {
            XCTAssertTrue(layer.parameters().allSatisfy { $0.values.allSatisfy { $0 == 0 } })
        }
        var random = TensorRandom(seed: 3)
        let pixels = random.normal([2, 3, configuration.vision.imageSize, configuration.vision.imageSize])
        let controlled = try model.encodeImage(pixels, control: true).content, plain = try model.encodeImage(pixels, control: false).content
        XCTAssertEqual(controlled.values, plain.values)
    }

    func testOpenCLIPTorchFileLoadsAndDACLIPFilesAreRefused() throws {
        let (file, configuration) = try fixture()
        let model = try DACLIPModel(configuration: configuration, seed: 1)
        try OpenCLIPWeights.load(contentsOf: URL(fileURLWithPath: Fixtures.path("daclip_training", "openclip_tiny.pt")), into: model)
        XCTAssertEqual(model.clip.textProjection.values, try file.tensor("openclip/text_projection", file: path).floatValues())
        let daclip = try DACLIPModel(configuration: configuration, seed: 2)
        XCTAssertThrowsError(try OpenCLIPWeights.load(daclip.stateDict(), into: model, file: "daclip.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("is a DA-CLIP checkpoint"), "\(error)")
        }
        var state = try openCLIPState(file)
        state.removeAll { $0.name == "ln_final.weight" }
        XCTAssertThrowsError(try OpenCLIPWeights.load(state, into: model, file: "partial.pt")) { error in
            XCTAssertTrue("\(error)".contains("missing 1: ln_final.weight"), "\(error)")
        }
    }
}
