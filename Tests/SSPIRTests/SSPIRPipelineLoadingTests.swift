import CLIPTokenizer
import Checkpoints
import Foundation
import SSPIR
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// `SSPIRPipeline.load` on the layouts users have, written here from tiny random networks: SD as a diffusers
/// folder (`vae/`, `text_encoder/` with HF names), an SSP-IR training checkpoint (`unet/`, `controlnet/` with their
/// `config.json`, `refine/refine.pt` as `torch.save` writes it) and a CLIPVisionModel folder. The loaded pipeline
/// restores exactly as the same networks assembled in memory; parts that do not fit together are named.
final class SSPIRPipelineLoadingTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-sspir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    private func write(_ json: [String: Any], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: url)
    }

    private func writeWeights(_ module: Module, to url: URL, rename: (String) -> String = { $0 }) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensorsFile.write(module.stateDict().map { (name: rename($0.name), tensor: $0.tensor) }, to: url)
    }

    /// The text encoder's weights under HF's names (the reverse of the loader's map: in_proj split into q, k, v).
    private func writeHFTextEncoder(_ model: CLIPTextModel, to url: URL) throws {
        var out: [(name: String, tensor: StoredTensor)] = []
        for (name, tensor) in model.namedParameters() {
            let values = tensor.values
            if name == "token_embedding.weight" { out.append(("embeddings.token_embedding.weight", try StoredTensor(shape: tensor.shape, float32: values))); continue }
            if name == "positional_embedding" { out.append(("embeddings.position_embedding.weight", try StoredTensor(shape: tensor.shape, float32: values))); continue }
            if name.hasPrefix("ln_final.") { out.append((name.replacingOccurrences(of: "ln_final.", with: "final_layer_norm."), try StoredTensor(shape: tensor.shape, float32: values))); continue }
            let parts = name.split(separator: ".").map(String.init)   // transformer.resblocks.i.…
            let layer = "encoder.layers.\(parts[2])."
            let rest = parts[3...].joined(separator: ".")
            if rest.hasPrefix("attn.in_proj_") {
                let part = rest.hasSuffix("weight") ? "weight" : "bias"
                let third = values.count / 3
                for (index, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    let shape = [tensor.shape[0] / 3] + tensor.shape.dropFirst()
                    out.append((layer + "self_attn.\(projection).\(part)", try StoredTensor(shape: shape, float32: Array(values[(index * third)..<((index + 1) * third)]))))
                }
                continue
            }
            let renamed = rest.replacingOccurrences(of: "attn.out_proj.", with: "self_attn.out_proj.")
                .replacingOccurrences(of: "ln_1.", with: "layer_norm1.").replacingOccurrences(of: "ln_2.", with: "layer_norm2.")
                .replacingOccurrences(of: "mlp.c_fc.", with: "mlp.fc1.").replacingOccurrences(of: "mlp.c_proj.", with: "mlp.fc2.")
            out.append((layer + renamed, try StoredTensor(shape: tensor.shape, float32: values)))
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensorsFile.write(out, to: url)
    }

    func testAPipelineLoadsFromTheFilesUsersHaveAndRestoresAsAssembled() throws {
        var g = TensorRandom(seed: 31)
        let vaeConfiguration = AutoencoderKLConfiguration(blockOutChannels: [8, 8], layersPerBlock: 1, normNumGroups: 4)
        let vae = try AutoencoderKL(vaeConfiguration, generator: &g)
        var text = CLIPTextConfiguration()
        (text.width, text.intermediateSize, text.layers, text.heads) = (24, 48, 1, 2)
        let textEncoder = try CLIPTextModel(text, generator: &g)
        let unetConfiguration = UNet2DConditionConfiguration(blockOutChannels: [16, 32, 32], layersPerBlock: 1, attentionHeads: 2,
                                                             crossAttentionDim: 24, normNumGroups: 8, imageCrossAttentionDim: 512,
                                                             structureAttention: true)
        let unet = UNet2DConditionModel(unetConfiguration, generator: TensorRandom(seed: 32))
        let controlNet = try StructureControlNet(copying: unet, processor: .init(blockChannels: [4, 8], embeddingChannels: 16),
                                                 generator: TensorRandom(seed: 33))
        var random = TensorRandom(seed: 34)
        for convolution in controlNet.controlnetDownBlocks + [controlNet.controlnetMidBlock, controlNet.controlnetCondEmbedding.convOut] {
            convolution.weight.assign(random.normal(convolution.weight.shape) * 0.3)
        }
        let refine = try RefineLayer(.init(width: 32, outputWidth: 512, hiddenLayers: 2), generator: &g)
        let vocabulary = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz")
        let tokenizer = try CLIPTokenizer(vocabularyURL: vocabulary)
        let clipVision = PriorFixture.url("image_encoder")

        // Stable Diffusion as a diffusers folder.
        let sd = root.appendingPathComponent("sd")
        try write(["_class_name": "AutoencoderKL", "block_out_channels": [8, 8], "layers_per_block": 1, "norm_num_groups": 4,
                   "latent_channels": 4, "in_channels": 3, "out_channels": 3], to: sd.appendingPathComponent("vae/config.json"))
        try writeWeights(vae, to: sd.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))
        try write(["hidden_size": 24, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 49408,
                   "max_position_embeddings": 77, "hidden_act": "quick_gelu"], to: sd.appendingPathComponent("text_encoder/config.json"))
        try writeHFTextEncoder(textEncoder, to: sd.appendingPathComponent("text_encoder/model.safetensors"))
        // An SSP-IR training checkpoint.
        let checkpoint = root.appendingPathComponent("checkpoint-100")
        let shared: [String: Any] = ["block_out_channels": [16, 32, 32], "layers_per_block": 1, "attention_head_dim": 2,
                                     "cross_attention_dim": 24, "norm_num_groups": 8, "in_channels": 4,
                                     "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
                                     "use_image_cross_attention": true]
        try write(shared.merging(["_class_name": "UNet2DConditionModel", "out_channels": 4,
                                  "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]]) { $1 },
                  to: checkpoint.appendingPathComponent("unet/config.json"))
        try writeWeights(unet, to: checkpoint.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        try write(shared.merging(["_class_name": "ControlNetModel", "conditioning_embedding_out_channels": [4, 8],
                                  "use_srresnet": false, "return_rgbs": true]) { $1 },
                  to: checkpoint.appendingPathComponent("controlnet/config.json"))
        try writeWeights(controlNet, to: checkpoint.appendingPathComponent("controlnet/diffusion_pytorch_model.safetensors"))
        try FileManager.default.createDirectory(at: checkpoint.appendingPathComponent("refine"), withIntermediateDirectories: true)
        try TorchSaveWriter.write(refine.namedParameters().map { ($0.name, $0.tensor.shape, $0.tensor.values) },
                                  to: checkpoint.appendingPathComponent("refine/refine.pt"))

        let loaded = try SSPIRPipeline.load(stableDiffusion: sd, sspir: checkpoint, clipVision: clipVision, tokenizer: tokenizer)
        let assembled = SSPIRPipeline(vae: vae, textEncoder: textEncoder, tokenizer: tokenizer,
                                      imageEncoder: try CLIPImageEncoder.load(contentsOf: clipVision), refine: refine,
                                      controlNet: controlNet, unet: unet)
        XCTAssertGreaterThan(loaded.parameterBytes, 0)
        var options = SSPIRPipeline.Options()
        options.steps = 2
        options.scheduler = .ddim
        let lq = random.uniform([1, 3, 16, 16], bound: 1).abs()
        let a = try loaded.restore(lq, prompt: "a cat", options: options), b = try assembled.restore(lq, prompt: "a cat", options: options)
        XCTAssertEqual(a.shape, [1, 3, 16, 16])
        XCTAssertLessThanOrEqual(zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 1, 1e-6)

        // A refine layer of another output width does not fit the U-Net's image attentions.
        let narrow = try RefineLayer(.init(width: 32, outputWidth: 8, hiddenLayers: 2), generator: &g)
        try TorchSaveWriter.write(narrow.namedParameters().map { ($0.name, $0.tensor.shape, $0.tensor.values) },
                                  to: checkpoint.appendingPathComponent("refine/refine.pt"))
        XCTAssertThrowsError(try SSPIRPipeline.load(stableDiffusion: sd, sspir: checkpoint, clipVision: clipVision, tokenizer: tokenizer)) { error in
            XCTAssertTrue("\(error)".contains("refine") && "\(error)".contains("512"), "\(error)")
        }
        try FileManager.default.removeItem(at: checkpoint.appendingPathComponent("refine/refine.pt"))
        XCTAssertThrowsError(try SSPIRPipeline.load(stableDiffusion: sd, sspir: checkpoint, clipVision: clipVision, tokenizer: tokenizer)) { error in
            XCTAssertTrue("\(error)".contains("refine.pt"), "\(error)")
        }
    }
}
