import Checkpoints
import Foundation
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// Stable Diffusion's U-Net against diffusers 0.21, and SSP-IR's Prior-Guided Attention U-Net against the official
/// SSP-IR code, both on random weights at tiny widths (blocks 16, 32, 32; one layer per block; two heads; groups of 8):
/// the noise prediction, and the gradients into the inputs (the latent, the text and image embeddings and the
/// ControlNet residuals, which is how the ControlNet trains) and into parameters of every kind of block.
final class UNetParityTests: XCTestCase {
    private func configuration(prior: Bool) -> UNet2DConditionConfiguration {
        UNet2DConditionConfiguration(blockOutChannels: [16, 32, 32], layersPerBlock: 1, attentionHeads: 2, crossAttentionDim: 24,
                                     normNumGroups: 8, imageCrossAttentionDim: prior ? 512 : nil, structureAttention: prior)
    }

    private func check(_ name: String, prior: Bool) throws {
        let fixture = try SSPIRNetworkFixture("\(name).safetensors")
        let configuration = configuration(prior: prior)
        try configuration.validate()
        let unet = UNet2DConditionModel(configuration, generator: .placeholder)
        let weights = fixture.state(under: "weights/")
        XCTAssertEqual(Set(unet.namedParameters().map(\.name)), Set(weights.keys), "the parameter names are diffusers'")
        try unet.loadStateDict(weights, strict: true)

        var inputs: [String: Tensor] = [:]
        for key in ["sample", "text"] + (prior ? ["image"] + (0..<configuration.skipCount).map { "control.down.\($0)" } + ["control.mid"] : []) {
            inputs[key] = try fixture.tensor(key, requiresGrad: true)
        }
        let timesteps = try fixture.array("timesteps").values.map(Float.init)
        let control = prior ? ControlNetResiduals(down: (0..<configuration.skipCount).map { inputs["control.down.\($0)"]! },
                                                  mid: inputs["control.mid"]!) : nil
        let conditions = PriorConditions(text: inputs["text"]!, image: inputs["image"], control: control)
        let y = try unet(inputs["sample"]!, timesteps: timesteps, conditions: conditions)
        let forwardError = relativeError(y.values, try fixture.array("y").values)
        XCTAssertLessThanOrEqual(forwardError, 1e-4, "\(name): forward")
        let inference = try withNoGrad { try unet(inputs["sample"]!, timesteps: timesteps, conditions: conditions) }
        XCTAssertLessThanOrEqual(relativeError(inference.values, try fixture.array("y").values), 1e-4, "\(name): inference path")

        y.backward(try fixture.tensor("gy"))
        let gradients = try fixture.gradientErrors(inputs: inputs, of: unet)
        XCTAssertGreaterThanOrEqual(gradients.parameters.count, 6)
        for (key, e) in gradients.inputs + gradients.parameters { XCTAssertLessThanOrEqual(e, 1e-3, "\(name): gradient of \(key)") }
        let worst = (gradients.inputs + gradients.parameters).map(\.1).max() ?? 0
        print("\(name): forward relative error \(forwardError), worst gradient relative error \(worst)")
    }

    func testStableDiffusionUNetMatchesDiffusers() throws {
        try check("sd_unet", prior: false)
    }

    /// Image attentions before the text attentions, structure attentions on the ControlNet residuals after them, one
    /// head of full width in the plain up block; the residuals also added to the skips and the middle output.
    func testPriorGuidedAttentionUNetMatchesTheOfficialSSPIRCode() throws {
        try check("pga_unet", prior: true)
    }

    /// The priors a U-Net needs, and shapes it cannot take, are errors that name the input.
    func testMissingPriorsAndWrongShapesAreNamedErrors() throws {
        let configuration = configuration(prior: true)
        let unet = UNet2DConditionModel(configuration, generator: TensorRandom(seed: 1))
        let sample = Tensor.zeros([1, 4, 8, 8]), text = Tensor.zeros([1, 3, 24]), image = Tensor.zeros([1, 2, 512])
        let shapes = unet.skipShapes(batch: 1, height: 8, width: 8)
        XCTAssertEqual(shapes.count, configuration.skipCount)
        let control = ControlNetResiduals(down: shapes.map { Tensor.zeros($0) }, mid: Tensor.zeros([1, 32, 2, 2]))
        func message(_ body: () throws -> Tensor) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        XCTAssertEqual(message { try withNoGrad { try unet(sample, timesteps: [1], conditions: .init(text: text, image: image, control: control)) } }, "")
        XCTAssertTrue(message { try unet(sample, timesteps: [1], conditions: .init(text: text, control: control)) }.contains("image embedding"))
        XCTAssertTrue(message { try unet(sample, timesteps: [1], conditions: .init(text: text, image: image)) }.contains("ControlNet residuals"))
        XCTAssertTrue(message { try unet(Tensor.zeros([1, 4, 6, 8]), timesteps: [1], conditions: .init(text: text, image: image, control: control)) }
            .contains("multiples of 4"))
        var wrong = control
        wrong.down[3] = Tensor.zeros([1, 16, 4, 4])
        XCTAssertTrue(message { try unet(sample, timesteps: [1], conditions: .init(text: text, image: image, control: wrong)) }
            .contains("ControlNet down residual 3"))
        XCTAssertThrowsError(try UNet2DConditionConfiguration(blockOutChannels: [16, 32, 64], structureAttention: true).validate())
    }
}

/// The U-Net's two file layouts: a single-file SD checkpoint in LDM naming and a diffusers `unet/` folder (SD's, and
/// the official SSP-IR U-Net's `save_pretrained` output with its Prior-Guided Attention), each loading strictly and
/// giving the reference's output; wrong or partial files are errors that name the keys as the file does.
final class UNetLoadingTests: XCTestCase {
    private let tiny = UNet2DConditionConfiguration(blockOutChannels: [16, 32, 32], layersPerBlock: 1, attentionHeads: 2,
                                                    crossAttentionDim: 24, normNumGroups: 8)

    /// The noise prediction of `unet` on the fixture's inputs, against its stored output.
    private func outputError(_ unet: UNet2DConditionModel, fixture name: String) throws -> Double {
        let fixture = try SSPIRNetworkFixture("\(name).safetensors")
        let prior = unet.configuration.structureAttention
        let control = prior ? ControlNetResiduals(down: try (0..<unet.configuration.skipCount).map { try fixture.tensor("control.down.\($0)") },
                                                  mid: try fixture.tensor("control.mid")) : nil
        let conditions = PriorConditions(text: try fixture.tensor("text"), image: prior ? try fixture.tensor("image") : nil, control: control)
        let y = try withNoGrad {
            try unet(try fixture.tensor("sample"), timesteps: try fixture.array("timesteps").values.map(Float.init), conditions: conditions)
        }
        return relativeError(y.values, try fixture.array("y").values)
    }

    /// A diffusers folder holding the fixture's config.json and weights.
    private func diffusersFolder(_ name: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-unet-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let unet = root.appendingPathComponent("unet")
        try FileManager.default.createDirectory(at: unet, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: SSPIRNetworkFixture.url("\(name).config.json"), to: unet.appendingPathComponent("config.json"))
        let weights = try SSPIRNetworkFixture("\(name).safetensors").state(under: "weights/").map { (name: $0.key, tensor: $0.value) }
        try SafeTensorsFile.write(weights, to: unet.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        return root
    }

    func testSingleFileCheckpointLoadsByItsLDMNames() throws {
        let unet = try UNet2DConditionModel.load(singleFile: SSPIRNetworkFixture.url("ldm_unet.safetensors"), configuration: tiny)
        XCTAssertLessThanOrEqual(try outputError(unet, fixture: "sd_unet"), 1e-4)
    }

    func testDiffusersFoldersOfStableDiffusionAndSSPIRLoad() throws {
        let sd = try UNet2DConditionModel.load(diffusersFolder: try diffusersFolder("sd_unet"))
        XCTAssertEqual(sd.configuration, tiny)
        XCTAssertLessThanOrEqual(try outputError(sd, fixture: "sd_unet"), 1e-4)
        let pga = try UNet2DConditionModel.load(diffusersFolder: try diffusersFolder("pga_unet"))
        XCTAssertEqual(pga.configuration.imageCrossAttentionDim, 512)
        XCTAssertTrue(pga.configuration.structureAttention)
        XCTAssertLessThanOrEqual(try outputError(pga, fixture: "pga_unet"), 1e-4)
    }

    /// SSP-IR's training starts from SD's weights: an SD file fills every SD parameter of a Prior-Guided Attention
    /// U-Net (the same SD output once the new attentions are removed from the count), its new attentions keep their
    /// drawn values, and an SD key missing from the file is still an error.
    func testAStableDiffusionFileFillsThePriorGuidedUNetsSDParameters() throws {
        var prior = tiny
        prior.imageCrossAttentionDim = 512
        prior.structureAttention = true
        let url = SSPIRNetworkFixture.url("ldm_unet.safetensors")
        let unet = try UNet2DConditionModel.load(singleFile: url, configuration: prior, generator: TensorRandom(seed: 3))
        let sd = try UNet2DConditionModel.load(singleFile: url, configuration: tiny)
        let sdValues = Dictionary(uniqueKeysWithValues: sd.namedParameters().map { ($0.name, $0.tensor.values) })
        var priorCount = 0
        for (name, tensor) in unet.namedParameters() {
            if UNet2DConditionModel.isPriorGuidanceParameter(name) {
                priorCount += 1
                XCTAssertNil(sdValues[name], name)
            } else {
                XCTAssertEqual(tensor.values, sdValues[name], name)
            }
        }
        XCTAssertGreaterThan(priorCount, 0)
        XCTAssertTrue(unet.upBlocks[1].pixelAttentions[0].projIn.weight.values.contains { $0 != 0 }, "drawn, not zeros")

        let file = try SafeTensorsFile(contentsOf: url)
        let partial = try file.names.filter { !$0.hasSuffix("input_blocks.1.1.proj_in.weight") }.map { ($0, try file.tensor($0)) }
        XCTAssertThrowsError(try sd.loadOriginalState(partial, map: .unet2DCondition(tiny), file: "partial.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("missing keys (1): model.diffusion_model.input_blocks.1.1.proj_in.weight"), "\(error)")
        }
    }

    func testConfigurationsOfOtherNetworksAreRefusedNamingTheKey() throws {
        let data = try Data(contentsOf: SSPIRNetworkFixture.url("sd_unet.config.json"))
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(try UNet2DConditionConfiguration(diffusersConfig: data, file: "config.json"), tiny)
        for (key, value) in [("use_linear_projection", true as Any), ("attention_head_dim", [2, 4] as Any),
                             ("up_block_types", ["UpBlock2D", "UpBlock2D", "CrossAttnUpBlock2D"] as Any),
                             ("class_embed_type", "timestep" as Any), ("conv_in_kernel", 5 as Any), ("use_textual_restore", true as Any)] {
            let original = json[key]
            json[key] = value
            let changed = try JSONSerialization.data(withJSONObject: json)
            XCTAssertThrowsError(try UNet2DConditionConfiguration(diffusersConfig: changed, file: "config.json")) { error in
                XCTAssertTrue("\(error)".contains(key) && "\(error)".contains("config.json"), "\(error)")
            }
            json[key] = original
        }
        XCTAssertThrowsError(try UNet2DConditionConfiguration(diffusersConfig: Data("[]".utf8), file: "config.json"))
    }

    /// Stable Diffusion 1.5's U-Net at full size (3.4 GB of zeros, no weights): every diffusers key and shape, and
    /// the LDM name of each, as diffusers 0.21 builds and converts them.
    func testStableDiffusion15sFullKeySetAndLDMNames() throws {
        let url = SSPIRNetworkFixture.url("sd15_unet_keys.json")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let shapes = try XCTUnwrap(json["shapes"] as? [String: [Int]]), ldm = try XCTUnwrap(json["ldm"] as? [String: String])
        let unet = UNet2DConditionModel(.stableDiffusion15, generator: .placeholder)
        let ours = Dictionary(uniqueKeysWithValues: unet.namedParameters().map { ($0.name, $0.tensor.shape) })
        XCTAssertEqual(ours.count, shapes.count)
        XCTAssertEqual(Set(ours.keys).symmetricDifference(shapes.keys).sorted(), [])
        for (name, shape) in shapes { XCTAssertEqual(ours[name], shape, name) }
        let map = LDMKeyMap.unet2DCondition(.stableDiffusion15)
        for (name, original) in ldm {
            XCTAssertEqual(map.original(name), original, name)
            XCTAssertEqual(map.diffusers(String(original.dropFirst(map.prefix.count)), shape: shapes[name] ?? [])?.name, name, original)
        }
    }
}
