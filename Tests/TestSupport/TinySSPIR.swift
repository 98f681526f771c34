import CLIPTokenizer
import Checkpoints
import Foundation
import SSPIR
import StableDiffusion
import WildTensor

/// A tiny SSP-IR of random networks (a VAE of factor 2, SD's text encoder at width 24 over CLIP's vocabulary, a
/// Prior-Guided U-Net of widths 16/32/32 with image width 512, its ControlNet copy with non-zero residuals, a Refine
/// Layer 32 → 512, and the committed tiny CLIP image encoder), written in the layouts users have: SD as a diffusers
/// folder (`vae/`, `text_encoder/` with HF names), an SSP-IR training checkpoint (`unet/`, `controlnet/` with their
/// `config.json`, `refine/refine.pt` as `torch.save` writes it).
public struct TinySSPIR {
    public let vae: AutoencoderKL
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let controlNet: StructureControlNet
    public let refine: RefineLayer
    public let tokenizer: CLIPTokenizer

    /// CLIP's vocabulary, shipped in `models/clip/`.
    public static var vocabularyURL: URL {
        Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz")
    }

    /// The committed tiny CLIPVisionModel folder (`Tests/Fixtures/sspir_priors/image_encoder`).
    public static var clipVision: URL { URL(fileURLWithPath: Fixtures.path("sspir_priors", "image_encoder")) }

    public init(seed: UInt64 = 31) throws {
        var g = TensorRandom(seed: seed)
        vae = try AutoencoderKL(AutoencoderKLConfiguration(blockOutChannels: [8, 8], layersPerBlock: 1, normNumGroups: 4), generator: &g)
        var text = CLIPTextConfiguration()
        (text.width, text.intermediateSize, text.layers, text.heads) = (24, 48, 1, 2)
        textEncoder = try CLIPTextModel(text, generator: &g)
        let configuration = UNet2DConditionConfiguration(blockOutChannels: [16, 32, 32], layersPerBlock: 1, attentionHeads: 2,
                                                         crossAttentionDim: 24, normNumGroups: 8, imageCrossAttentionDim: 512,
                                                         structureAttention: true)
        unet = UNet2DConditionModel(configuration, generator: TensorRandom(seed: seed &+ 1))
        controlNet = try StructureControlNet(copying: unet, processor: .init(blockChannels: [4, 8], embeddingChannels: 16),
                                             generator: TensorRandom(seed: seed &+ 2))
        var random = TensorRandom(seed: seed &+ 3)
        for convolution in controlNet.controlnetDownBlocks + [controlNet.controlnetMidBlock, controlNet.controlnetCondEmbedding.convOut] {
            convolution.weight.assign(random.normal(convolution.weight.shape) * 0.3)  // as trained: not the zeros of a new one
        }
        refine = try RefineLayer(.init(width: 32, outputWidth: 512, hiddenLayers: 2), generator: &g)
        tokenizer = try CLIPTokenizer(vocabularyURL: Self.vocabularyURL)
    }

    /// The networks assembled in memory.
    public func pipeline() throws -> SSPIRPipeline {
        SSPIRPipeline(vae: vae, textEncoder: textEncoder, tokenizer: tokenizer, imageEncoder: try CLIPImageEncoder.load(contentsOf: Self.clipVision),
                      refine: refine, controlNet: controlNet, unet: unet)
    }

    /// Writes SD (`root/sd`) and the SSP-IR checkpoint (`root/checkpoint-100`); returns their folders.
    public func write(to root: URL) throws -> (stableDiffusion: URL, checkpoint: URL) {
        let sd = root.appendingPathComponent("sd")
        try Self.write(["_class_name": "AutoencoderKL", "block_out_channels": [8, 8], "layers_per_block": 1, "norm_num_groups": 4,
                        "latent_channels": 4, "in_channels": 3, "out_channels": 3], to: sd.appendingPathComponent("vae/config.json"))
        try Self.writeWeights(vae, to: sd.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))
        try Self.write(["hidden_size": 24, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 49408,
                        "max_position_embeddings": 77, "hidden_act": "quick_gelu"], to: sd.appendingPathComponent("text_encoder/config.json"))
        try Self.writeHFTextEncoder(textEncoder, to: sd.appendingPathComponent("text_encoder/model.safetensors"))
        let checkpoint = root.appendingPathComponent("checkpoint-100")
        let shared: [String: Any] = ["block_out_channels": [16, 32, 32], "layers_per_block": 1, "attention_head_dim": 2,
                                     "cross_attention_dim": 24, "norm_num_groups": 8, "in_channels": 4,
                                     "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
                                     "use_image_cross_attention": true]
        try Self.write(shared.merging(["_class_name": "UNet2DConditionModel", "out_channels": 4,
                                       "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]]) { $1 },
                       to: checkpoint.appendingPathComponent("unet/config.json"))
        try Self.writeWeights(unet, to: checkpoint.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        try Self.write(shared.merging(["_class_name": "ControlNetModel", "conditioning_embedding_out_channels": [4, 8],
                                       "use_srresnet": false, "return_rgbs": true]) { $1 },
                       to: checkpoint.appendingPathComponent("controlnet/config.json"))
        try Self.writeWeights(controlNet, to: checkpoint.appendingPathComponent("controlnet/diffusion_pytorch_model.safetensors"))
        try Self.writeRefine(refine, to: checkpoint)
        return (sd, checkpoint)
    }

    /// `refine/refine.pt` of a checkpoint folder, as the training's `torch.save(state_dict)` writes it.
    public static func writeRefine(_ refine: RefineLayer, to checkpoint: URL) throws {
        try FileManager.default.createDirectory(at: checkpoint.appendingPathComponent("refine"), withIntermediateDirectories: true)
        try TorchSaveWriter.write(refine.namedParameters().map { ($0.name, $0.tensor.shape, $0.tensor.values) },
                                  to: checkpoint.appendingPathComponent("refine/refine.pt"))
    }

    static func write(_ json: [String: Any], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: url)
    }

    static func writeWeights(_ module: Module, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensorsFile.write(module.stateDict(), to: url)
    }

    /// The text encoder's weights under HF's names (the reverse of the loader's map: in_proj split into q, k, v).
    static func writeHFTextEncoder(_ model: CLIPTextModel, to url: URL) throws {
        var out: [(name: String, tensor: StoredTensor)] = []
        func add(_ name: String, _ shape: [Int], _ values: [Float]) throws { out.append((name, try StoredTensor(shape: shape, float32: values))) }
        for (name, tensor) in model.namedParameters() {
            let values = tensor.values
            switch name {
            case "token_embedding.weight": try add("embeddings.token_embedding.weight", tensor.shape, values); continue
            case "positional_embedding": try add("embeddings.position_embedding.weight", tensor.shape, values); continue
            case "ln_final.weight", "ln_final.bias": try add(name.replacingOccurrences(of: "ln_final.", with: "final_layer_norm."), tensor.shape, values); continue
            default: break
            }
            let parts = name.split(separator: ".").map(String.init)   // transformer.resblocks.i.…
            let layer = "encoder.layers.\(parts[2]).", rest = parts[3...].joined(separator: ".")
            if rest.hasPrefix("attn.in_proj_") {
                let part = rest.hasSuffix("weight") ? "weight" : "bias", third = values.count / 3
                for (index, projection) in ["q_proj", "k_proj", "v_proj"].enumerated() {
                    try add(layer + "self_attn.\(projection).\(part)", [tensor.shape[0] / 3] + tensor.shape.dropFirst(),
                            Array(values[(index * third)..<((index + 1) * third)]))
                }
                continue
            }
            let renamed = rest.replacingOccurrences(of: "attn.out_proj.", with: "self_attn.out_proj.")
                .replacingOccurrences(of: "ln_1.", with: "layer_norm1.").replacingOccurrences(of: "ln_2.", with: "layer_norm2.")
                .replacingOccurrences(of: "mlp.c_fc.", with: "mlp.fc1.").replacingOccurrences(of: "mlp.c_proj.", with: "mlp.fc2.")
            try add(layer + renamed, tensor.shape, values)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensorsFile.write(out, to: url)
    }
}
