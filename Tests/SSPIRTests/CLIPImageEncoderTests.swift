import Checkpoints
import Foundation
import SSPIR
import TestSupport
import WildTensor
import XCTest

/// SSP-IR's CLIP image encoder against transformers' `CLIPVisionModel` (tiny, random weights, saved by
/// `save_pretrained`): the training preprocessing (bicubic `F.interpolate`, clamp, CLIP normalisation) and the last
/// layer's patch tokens; and the files it refuses.
final class CLIPImageEncoderTests: XCTestCase {
    func testPreprocessingAndPatchTokensMatchTransformers() throws {
        let fixture = try PriorFixture("image_encoder.safetensors")
        let encoder = try CLIPImageEncoder.load(contentsOf: PriorFixture.url("image_encoder"))
        XCTAssertEqual(encoder.tower.configuration.imageSize, 56)
        XCTAssertEqual(encoder.tower.configuration.heads, 4)
        let pixels = try encoder.preprocess(try fixture.tensor("lq"))
        let pixelError = relativeError(pixels.values, try fixture.array("pixels").values)
        XCTAssertLessThanOrEqual(pixelError, 1e-5)
        let features = try withNoGrad { try encoder.features(try fixture.tensor("pixels")) }
        let expected = try fixture.array("features")
        XCTAssertEqual(features.shape, expected.shape)
        let error = relativeError(features.values, expected.values)
        print("CLIP image encoder: preprocessing relative error \(pixelError), features \(error)")
        XCTAssertLessThanOrEqual(error, 1e-4)
    }

    /// A CLIPModel file (the published openai/clip-vit-large-patch14 layout) holds the vision tower under
    /// `vision_model.` next to other towers, which are not read; a missing or misshapen vision key is named.
    func testCLIPModelFilesLoadAndBrokenOnesAreNamed() throws {
        let file = try SafeTensorsFile(contentsOf: PriorFixture.url("image_encoder", "model.safetensors"))
        let tensors = try file.names.map { (name: "vision_model." + $0, tensor: try file.tensor($0)) }
        let extra = (name: "text_model.final_layer_norm.bias", tensor: try StoredTensor(shape: [2], float32: [0, 0]))
        let encoder = try CLIPImageEncoder.load(tensors: tensors + [extra], heads: 4)
        XCTAssertEqual(encoder.tower.configuration.layers, 2)
        XCTAssertThrowsError(try CLIPImageEncoder.load(tensors: tensors.filter { !$0.name.hasSuffix("layers.1.mlp.fc2.bias") }, heads: 4)) { error in
            XCTAssertTrue("\(error)".contains("missing vision_model.encoder.layers.1.mlp.fc2.bias"), "\(error)")
        }
        XCTAssertThrowsError(try CLIPImageEncoder.load(tensors: [extra])) { error in
            XCTAssertTrue("\(error)".contains("patch_embedding"), "\(error)")
        }
    }
}
