import Checkpoints
import Foundation
import SSPIR
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// SSP-IR's ControlNet structure branch against the official `ControlNetModel.from_unet(…, use_image_cross_attention=True,
/// use_srresnet=False)` on random weights (tiny widths, Processor (4, 8, 12, 16) → 16): every residual, the RGB maps,
/// and the gradients into the latent, the embeddings, the LQ image and parameters of each kind.
final class StructureControlNetTests: XCTestCase {
    private let unetConfiguration = UNet2DConditionConfiguration(
        blockOutChannels: [16, 32, 32], layersPerBlock: 1, attentionHeads: 2, crossAttentionDim: 24, normNumGroups: 8,
        imageCrossAttentionDim: 512, structureAttention: true)
    private let processor = StructureProcessor.Configuration(blockChannels: [4, 8, 12, 16], embeddingChannels: 16)

    func testStructureControlNetMatchesTheOfficialControlNet() throws {
        let fixture = try SSPIRNetworkFixture("controlnet.safetensors")
        let net = try StructureControlNet(unet: unetConfiguration, processor: processor, generator: .placeholder)
        let weights = fixture.state(under: "weights/")
        XCTAssertEqual(Set(net.namedParameters().map(\.name)), Set(weights.keys), "the official parameter names")
        try net.loadStateDict(weights, strict: true)

        var inputs: [String: Tensor] = [:]
        for key in ["latent", "text", "image", "lq"] { inputs[key] = try fixture.tensor(key, requiresGrad: true) }
        let output = try net(inputs["latent"]!, timesteps: try fixture.array("timesteps").values.map(Float.init), image: inputs["lq"]!,
                             conditions: PriorConditions(text: inputs["text"]!, image: inputs["image"]))
        var named: [String: Tensor] = ["mid": output.residuals.mid]
        for (i, d) in output.residuals.down.enumerated() { named["down.\(i)"] = d }
        for (i, r) in output.rgbs.enumerated() { named["rgb.\(i)"] = r }
        XCTAssertEqual(output.residuals.down.count, unetConfiguration.skipCount)
        XCTAssertEqual(named.count, fixture.file.names.filter { $0.hasPrefix("g.") }.count)
        var worstForward = 0.0, objective: Tensor?
        for (key, tensor) in named {
            let e = relativeError(tensor.values, try fixture.array(key).values)
            worstForward = max(worstForward, e)
            XCTAssertLessThanOrEqual(e, 1e-4, key)
            let term = (tensor * (try fixture.tensor("g.\(key)"))).sum()
            objective = objective.map { $0 + term } ?? term
        }
        try XCTUnwrap(objective).backward()
        let gradients = try fixture.gradientErrors(inputs: inputs, of: net)
        XCTAssertGreaterThanOrEqual(gradients.parameters.count, 6)
        for (key, e) in gradients.inputs + gradients.parameters { XCTAssertLessThanOrEqual(e, 1e-3, "gradient of \(key)") }
        let worstGradient = (gradients.inputs + gradients.parameters).map(\.1).max() ?? 0
        print("controlnet: forward relative error \(worstForward), worst gradient relative error \(worstGradient)")
    }

    /// `from_unet`: the branch starts as a copy of the U-Net's encoder (its `conv_in`, time embedding, down and
    /// middle blocks with their image attentions), with zero convolutions and a zero Processor output, so its
    /// first residuals are zero (and the U-Net takes them); an LQ image of the wrong size is a named error.
    func testACopiedBranchStartsAsTheUNetsEncoderWithZeroResiduals() throws {
        let unet = UNet2DConditionModel(unetConfiguration, generator: TensorRandom(seed: 11))
        let net = try StructureControlNet(copying: unet, processor: processor, generator: TensorRandom(seed: 12))
        let source = Dictionary(uniqueKeysWithValues: unet.namedParameters().map { ($0.name, $0.tensor.values) })
        var copied = 0
        for (name, tensor) in net.namedParameters() {
            if let values = source[name] {
                XCTAssertEqual(tensor.values, values, name)
                copied += 1
            } else if name.hasPrefix("controlnet_down_blocks.") || name.hasPrefix("controlnet_mid_block.")
                        || name.hasPrefix("controlnet_cond_embedding.conv_out.") {
                XCTAssertTrue(tensor.values.allSatisfy { $0 == 0 }, "\(name) starts at zero")
            } else {
                XCTAssertTrue(name.hasPrefix("controlnet_cond_embedding."), "\(name) is neither copied nor the Processor's")
            }
        }
        XCTAssertGreaterThan(copied, 50)
        XCTAssertTrue(net.downBlocks[0].imageAttentions.count == 1, "image attentions are copied with the blocks")

        var random = TensorRandom(seed: 13)
        let latent = random.normal([1, 4, 8, 8]), text = random.normal([1, 3, 24]), image = random.normal([1, 2, 512])
        let lq = random.uniform([1, 3, 64, 64], bound: 1).abs()
        let output = try withNoGrad { try net(latent, timesteps: [500], image: lq, conditions: PriorConditions(text: text, image: image)) }
        for residual in output.residuals.down + [output.residuals.mid] { XCTAssertTrue(residual.values.allSatisfy { $0 == 0 }) }
        let plain = try withNoGrad {
            try unet(latent, timesteps: [500], conditions: PriorConditions(text: text, image: image, control: output.residuals))
        }
        XCTAssertTrue(plain.values.allSatisfy(\.isFinite))

        XCTAssertThrowsError(try net(latent, timesteps: [500], image: random.normal([1, 3, 32, 32]),
                                     conditions: PriorConditions(text: text, image: image))) { error in
            XCTAssertTrue("\(error)".contains("the LQ image"), "\(error)")
        }
        XCTAssertThrowsError(try StructureControlNet(unet: unetConfiguration, processor: .official, generator: .placeholder))
    }

    /// The `controlnet/` folder SSP-IR's training saves (the official `save_config` output and the weights) loads
    /// strictly and gives the official residuals; options the branch does not implement are refused by name.
    func testTheTrainingsControlNetFolderLoads() throws {
        let fixture = try SSPIRNetworkFixture("controlnet.safetensors")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-controlnet-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("controlnet")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config = try Data(contentsOf: SSPIRNetworkFixture.url("controlnet.config.json"))
        try config.write(to: folder.appendingPathComponent("config.json"))
        try SafeTensorsFile.write(fixture.state(under: "weights/").map { (name: $0.key, tensor: $0.value) },
                                  to: folder.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        let net = try StructureControlNet.load(diffusersFolder: root)
        XCTAssertEqual(net.controlnetCondEmbedding.configuration.blockChannels, [4, 8, 12, 16])
        let output = try withNoGrad {
            try net(try fixture.tensor("latent"), timesteps: try fixture.array("timesteps").values.map(Float.init), image: try fixture.tensor("lq"),
                    conditions: PriorConditions(text: try fixture.tensor("text"), image: try fixture.tensor("image")))
        }
        XCTAssertLessThanOrEqual(relativeError(output.residuals.mid.values, try fixture.array("mid").values), 1e-4)
        XCTAssertLessThanOrEqual(relativeError(output.residuals.down[5].values, try fixture.array("down.5").values), 1e-4)

        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: config) as? [String: Any])
        json["use_srresnet"] = true
        try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try StructureControlNet.load(diffusersFolder: root)) { error in
            XCTAssertTrue("\(error)".contains("use_srresnet"), "\(error)")
        }
    }
}
