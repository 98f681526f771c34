import CLIPTokenizer
import Checkpoints
import DACLIP
import Foundation
import SSPIR
import StableDiffusion
import WildTensor

/// The networks a run starts from (``SSPIRModelOptions``), assembled as an ``SSPIRPipeline``:
/// - from Stable Diffusion 1.5 and CLIP ViT-L/14, as the official `train.py` starts: the VAE and text encoder from SD;
///   the U-Net from SD with the Prior-Guided Attention the options ask for drawn new (`from_pretrained_orig`, strict
///   = False for those modules only); the ControlNet copied from that U-Net (`ControlNetModel.from_unet`, zero
///   convolutions, the official Processor); a new Refine Layer (CLIP's width, 1024, → 512); CLIP's vision tower;
/// - or `tiny`: every network drawn at random from `seed`, at CPU sizes.
enum SSPIRTrainingNetworks {
    /// Builds the networks; `file` names the options file in errors.
    /// - Throws: ``SSPIRTrainingError/model(_:)`` naming the file or key that could not be used.
    static func build(_ options: SSPIRModelOptions, tokenizer: CLIPTokenizer, seed: UInt64) throws -> SSPIRPipeline {
        do {
            if let tiny = options.tiny { return try random(tiny, options: options, tokenizer: tokenizer, seed: seed) }
            guard let sd = options.stableDiffusion, let clip = options.clipVision else {
                throw SSPIRTrainingError.model("model.stable_diffusion and model.clip_vision are required without model.tiny")
            }
            return try pretrained(stableDiffusion: URL(fileURLWithPath: sd), clipVision: URL(fileURLWithPath: clip), options: options,
                                  tokenizer: tokenizer, seed: seed)
        } catch let error as SSPIRTrainingError {
            throw error
        } catch {
            throw SSPIRTrainingError.model("\(error)")
        }
    }

    /// The Prior-Guided Attention the options keep, over `base`.
    static func priors(_ base: UNet2DConditionConfiguration, _ options: SSPIRModelOptions, imageWidth: Int) -> UNet2DConditionConfiguration {
        var c = base
        c.imageCrossAttentionDim = options.imageAttention ? imageWidth : nil
        c.structureAttention = options.structureAttention
        return c
    }

    private static func random(_ t: SSPIRTinyNetworks, options: SSPIRModelOptions, tokenizer: CLIPTokenizer, seed: UInt64) throws -> SSPIRPipeline {
        var g = TensorRandom(seed: seed)
        let vae = try AutoencoderKL(AutoencoderKLConfiguration(blockOutChannels: t.vaeChannels, layersPerBlock: 1,
                                                               normNumGroups: t.vaeNormGroups), generator: &g)
        var text = CLIPTextConfiguration()
        (text.width, text.intermediateSize, text.layers, text.heads) = (t.textWidth, 4 * t.textWidth, t.textLayers, t.textHeads)
        let textEncoder = try CLIPTextModel(text, generator: &g)
        let base = UNet2DConditionConfiguration(blockOutChannels: t.unetChannels, layersPerBlock: t.layersPerBlock, attentionHeads: t.heads,
                                                crossAttentionDim: t.textWidth, normNumGroups: t.normGroups)
        let configuration = priors(base, options, imageWidth: t.imageEmbeddingWidth)
        try configuration.validate()
        let unet = UNet2DConditionModel(configuration, generator: TensorRandom(seed: seed &+ 1))
        let controlNet = try StructureControlNet(copying: unet, processor: .init(blockChannels: t.processorChannels,
                                                                                 embeddingChannels: t.unetChannels[0]),
                                                 generator: TensorRandom(seed: seed &+ 2))
        var vision = CLIPConfiguration.Vision()
        (vision.imageSize, vision.patchSize, vision.width, vision.layers) = (t.imageSize, t.patchSize, t.imageWidth, t.imageLayers)
        vision.explicitHeads = t.imageHeads
        let imageEncoder = CLIPImageEncoder(random: vision, generator: &g)
        let refine = try RefineLayer(.init(width: t.imageWidth, outputWidth: t.imageEmbeddingWidth, hiddenLayers: 2), generator: &g)
        return SSPIRPipeline(vae: vae, textEncoder: textEncoder, tokenizer: tokenizer, imageEncoder: imageEncoder, refine: refine,
                             controlNet: controlNet, unet: unet)
    }

    private static func pretrained(stableDiffusion sd: URL, clipVision: URL, options: SSPIRModelOptions, tokenizer: CLIPTokenizer,
                                   seed: UInt64) throws -> SSPIRPipeline {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: sd.path, isDirectory: &isFolder) else {
            throw SSPIRTrainingError.model("model.stable_diffusion: no such file or folder \(sd.path)")
        }
        let vae = isFolder.boolValue ? try AutoencoderKL.load(diffusersFolder: sd) : try AutoencoderKL.load(singleFile: sd)
        let textEncoder = try CLIPTextModel.load(contentsOf: sd)
        let imageEncoder = try CLIPImageEncoder.load(contentsOf: clipVision)
        var refineGenerator = TensorRandom(seed: seed &+ 3)
        let refine = try RefineLayer(.init(width: imageEncoder.tower.configuration.width, outputWidth: RefineLayer.Configuration.official.outputWidth,
                                           hiddenLayers: RefineLayer.Configuration.official.hiddenLayers), generator: &refineGenerator)
        let generator = TensorRandom(seed: seed &+ 1)
        let unet: UNet2DConditionModel
        if isFolder.boolValue {
            let (config, configPath, weights) = try DiffusersWeights.component("unet", in: sd)
            let configuration = priors(try UNet2DConditionConfiguration(diffusersConfig: config, file: configPath), options,
                                       imageWidth: refine.configuration.outputWidth)
            unet = UNet2DConditionModel(configuration, generator: generator)
            try unet.loadDiffusersState(try CheckpointFile.load(weights), file: weights.path) {
                !UNet2DConditionModel.isPriorGuidanceParameter($0)
            }
        } else {
            unet = try UNet2DConditionModel.load(singleFile: sd, configuration: priors(.stableDiffusion15, options,
                                                                                        imageWidth: refine.configuration.outputWidth),
                                                 generator: generator)
        }
        // The official Processor (four stages for SD's ×8 VAE), as many stages as the VAE downsamples.
        let stages = vae.configuration.blockOutChannels.count
        var processor = StructureProcessor.Configuration.official
        guard stages <= processor.blockChannels.count else {
            throw SSPIRTrainingError.model("model.stable_diffusion: a VAE of \(stages) blocks; SSP-IR's Processor has \(processor.blockChannels.count) stages")
        }
        processor.blockChannels = Array(processor.blockChannels.prefix(stages))
        processor.embeddingChannels = unet.configuration.blockOutChannels[0]
        let controlNet = try StructureControlNet(copying: unet, processor: processor, generator: TensorRandom(seed: seed &+ 2))
        return SSPIRPipeline(vae: vae, textEncoder: textEncoder, tokenizer: tokenizer, imageEncoder: imageEncoder, refine: refine,
                             controlNet: controlNet, unet: unet)
    }
}
