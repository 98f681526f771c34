import Configuration
import SSPIRTraining
import XCTest

/// The options file: official defaults, and errors that name the key.
final class SSPIRTrainingOptionsTests: XCTestCase {
    func testDefaultsAreTheOfficialRecipe() throws {
        let o = try SSPIRTrainingOptions(yaml: "model: {stable_diffusion: sd.safetensors, clip_vision: clip}")
        XCTAssertEqual(o.train.lr, 5e-5)
        XCTAssertEqual(o.train.weightDecay, 1e-2)
        XCTAssertEqual(o.train.beta2, 0.999)
        XCTAssertEqual(o.train.eps, 1e-8)
        XCTAssertEqual(o.train.gradientClip, 1.0)
        XCTAssertEqual(o.train.rgbWeight, 0.1)
        XCTAssertEqual(o.train.fftWeight, 0.01)
        XCTAssertEqual(o.data.captionDropout, 0.5)
        XCTAssertEqual(o.data.degradation, .realesrgan)
        XCTAssertEqual(o.data.scale, 4)
        XCTAssertEqual(o.data.cropSize, 512)
        XCTAssertTrue(o.model.imageAttention && o.model.structureAttention)
        XCTAssertNoThrow(try o.validate())
    }

    func testTinyNetworksParseOverTheirDefaults() throws {
        let o = try SSPIRTrainingOptions(yaml: "model: {tiny: {unet_channels: [8, 16, 16], norm_groups: 4}, image_attention: false}")
        XCTAssertEqual(o.model.tiny?.unetChannels, [8, 16, 16])
        XCTAssertEqual(o.model.tiny?.textWidth, SSPIRTinyNetworks().textWidth)
        XCTAssertFalse(o.model.imageAttention)
        XCTAssertNoThrow(try o.validate())
    }

    func testErrorsNameTheKey() throws {
        let cases: [(String, String)] = [
            ("model: {tiny: {}, stable_diffusion: sd.safetensors}", "model.tiny"),
            ("model: {clip_vision: clip}", "model.stable_diffusion"),
            ("model: {stable_diffusion: sd}", "model.clip_vision"),
            ("model: {tiny: {}}\ndata: {crop_size: 30, scale: 4}", "data.crop_size"),
            ("model: {tiny: {}}\ndata: {scale: 3}", "data.scale"),
            ("model: {tiny: {}}\ndata: {caption_dropout: 1.5}", "data.caption_dropout"),
            ("model: {tiny: {processor_channels: [4, 8, 16]}}", "model.tiny.processor_channels"),
            ("model: {tiny: {}}\ntrain: {gradient_clip: 0}", "train.gradient_clip"),
            ("model: {tiny: {}}\ntrain: {lr: 2}", "train.lr"),
            ("model: {tiny: {}}\nvalidation: {count: 2}", "validation.dataroot"),
            ("model: {tiny: {}}\nname: a/b", "name"),
        ]
        for (yaml, key) in cases {
            // The loader checks ranges as it reads.
            XCTAssertThrowsError(try SSPIRTrainingOptions(yaml: yaml), yaml) { error in
                XCTAssertTrue("\(error)".contains("\(key): "), "\(yaml): \(error)")
            }
        }
        XCTAssertThrowsError(try SSPIRTrainingOptions(yaml: "train: {learning_rate: 1}")) { error in
            XCTAssertTrue("\(error)".contains("learning_rate"), "\(error)")
        }
    }
}
