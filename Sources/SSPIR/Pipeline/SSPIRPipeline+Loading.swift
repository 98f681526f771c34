import CLIPTokenizer
import Checkpoints
import Foundation
import StableDiffusion
import WildTensor

extension SSPIRPipeline {
    /// The pipeline from the files users have:
    /// - `stableDiffusion`: SD-1.5 as a single file (`v1-5-pruned-emaonly.safetensors` / `.ckpt`) or a diffusers
    ///   folder: the VAE and the text encoder are read from it (the U-Net comes from the SSP-IR checkpoint);
    /// - `sspir`: a checkpoint folder of SSP-IR's training (`checkpoint-N/`): `unet/` (the whole U-Net with its
    ///   Prior-Guided Attention), `controlnet/`, and `refine/refine.pt` (or `refine.safetensors`);
    /// - `clipVision`: CLIP ViT-L/14 (`openai/clip-vit-large-patch14`, a CLIPModel or CLIPVisionModel folder or file);
    /// - `tokenizer`: CLIP's BPE tokenizer (SD's text encoder uses CLIP's vocabulary).
    ///
    /// Every part loads strictly; the widths that tie them together (text and image embeddings, the U-Net and its
    /// ControlNet, the VAE's latent) are checked before anything runs.
    /// - Throws: the parts' loading errors, naming files and keys; ``SSPIRError`` for parts that do not fit together.
    public static func load(stableDiffusion: URL, sspir: URL, clipVision: URL, tokenizer: CLIPTokenizer) throws -> SSPIRPipeline {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: stableDiffusion.path, isDirectory: &isFolder) else {
            throw SSPIRError.invalidWeights(file: stableDiffusion.path, reason: "no such file or folder (Stable Diffusion 1.5)")
        }
        let vae = isFolder.boolValue ? try AutoencoderKL.load(diffusersFolder: stableDiffusion)
            : try AutoencoderKL.load(singleFile: stableDiffusion)
        let textEncoder = try CLIPTextModel.load(contentsOf: stableDiffusion)
        let unet = try UNet2DConditionModel.load(diffusersFolder: sspir.appendingPathComponent("unet"))
        let controlNet = try StructureControlNet.load(diffusersFolder: sspir.appendingPathComponent("controlnet"))
        let refine = try RefineLayer.load(checkpointFolder: sspir)
        let imageEncoder = try CLIPImageEncoder.load(contentsOf: clipVision)
        let pipeline = SSPIRPipeline(vae: vae, textEncoder: textEncoder, tokenizer: tokenizer, imageEncoder: imageEncoder,
                                     refine: refine, controlNet: controlNet, unet: unet)
        try pipeline.checkCompatibility()
        return pipeline
    }

    /// The widths the parts share.
    /// - Throws: ``SSPIRError/invalidConfiguration(field:reason:)`` naming the first pair that disagrees.
    public func checkCompatibility() throws {
        func check(_ ok: Bool, _ field: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw SSPIRError.invalidConfiguration(field: field, reason: reason()) }
        }
        let u = unet.configuration
        try check(u.structureAttention && u.imageCrossAttentionDim != nil, "unet",
                  "is not an SSP-IR U-Net (no use_image_cross_attention in its config)")
        try check(textEncoder.configuration.width == u.crossAttentionDim, "text encoder",
                  "width \(textEncoder.configuration.width) differs from the U-Net's cross_attention_dim \(u.crossAttentionDim)")
        try check(refine.configuration.width == imageEncoder.tower.configuration.width, "refine",
                  "width \(refine.configuration.width) differs from the CLIP image encoder's \(imageEncoder.tower.configuration.width)")
        try check(refine.configuration.outputWidth == u.imageCrossAttentionDim, "refine",
                  "output width \(refine.configuration.outputWidth) differs from the U-Net's image width \(u.imageCrossAttentionDim ?? 0)")
        var branch = u
        branch.structureAttention = false
        try check(controlNet.configuration == branch, "controlnet", "was not built from this U-Net's configuration")
        try check(vae.configuration.latentChannels == u.inChannels, "vae",
                  "latent channels \(vae.configuration.latentChannels) differ from the U-Net's in_channels \(u.inChannels)")
        let factor = controlNet.controlnetCondEmbedding.configuration.blockChannels.count - 1
        try check(1 << factor == vae.configuration.downsamplingFactor, "controlnet",
                  "its Processor downsamples by \(1 << factor), the VAE by \(vae.configuration.downsamplingFactor)")
    }

    /// The weights' memory in bytes (float32), for a note before a run starts.
    public var parameterBytes: Int {
        let modules: [Module] = [vae, textEncoder, imageEncoder.tower, refine, controlNet, unet]
        return modules.reduce(0) { $0 + $1.parameters().reduce(0) { $0 + $1.count } } * MemoryLayout<Float>.size
    }
}

extension RefineLayer {
    /// The Refine Layer of an SSP-IR checkpoint folder: `refine/refine.pt` as the training's `torch.save(state_dict)`
    /// writes it (read by the restricted reader: nothing in it runs), or `refine/refine.safetensors`; the widths
    /// are read from the shapes (`visual_projection.0.weight` [width, width], the last Linear [output, width]).
    /// - Throws: ``SSPIRError/invalidWeights(file:reason:)``, or the strict loader's error naming keys.
    public static func load(checkpointFolder url: URL) throws -> RefineLayer {
        let folder = url.appendingPathComponent("refine")
        let candidates = ["refine.pt", "refine.safetensors"].map { folder.appendingPathComponent($0) }
        guard let file = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw SSPIRError.invalidWeights(file: folder.path, reason: "neither refine.pt nor refine.safetensors is in it")
        }
        let state = Dictionary(try CheckpointFile.load(file).map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let linears = state.keys.compactMap { key -> Int? in
            guard key.hasPrefix("visual_projection."), key.hasSuffix(".weight"), state[key]?.shape.count == 2 else { return nil }
            return Int(key.dropFirst("visual_projection.".count).prefix { $0 != "." })
        }.sorted()
        guard let first = linears.first, let last = linears.last,
              let width = state["visual_projection.\(first).weight"]?.shape.last,
              let output = state["visual_projection.\(last).weight"]?.shape.first else {
            throw SSPIRError.invalidWeights(file: file.path, reason: "no visual_projection.N.weight Linear layers (not a TPBNet state dict)")
        }
        var generator = TensorRandom.placeholder
        let refine = try RefineLayer(.init(width: width, outputWidth: output, hiddenLayers: linears.count - 1), generator: &generator)
        try refine.loadOfficial(state)
        return refine
    }
}
