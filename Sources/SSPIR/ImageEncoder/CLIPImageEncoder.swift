import Checkpoints
import DACLIP
import Foundation
import Imaging
import StableDiffusion
import WildTensor

/// The frozen CLIP image encoder of SSP-IR's implicit semantic prior (paper §III-B; `models/model.py:338-376`):
/// HF transformers' `CLIPVisionModel` ("openai/clip-vit-large-patch14" in SSP-IR), whose last encoder layer's
/// tokens without the class token (`hidden_states[24][:, 1:]`, before `post_layernorm`) are the
/// ``RefineLayer``'s input, `[B, 256, 1024]` for ViT-L/14 at 224².
///
/// The tower is DA-CLIP's OpenCLIP ``VisionTransformer`` (the same computation: patch convolution without bias, class
/// token, positions, `ln_pre`, pre-LN blocks); HF's names are mapped onto it when loading. The projection is not
/// part of a `CLIPVisionModel` and is never used here.
public final class CLIPImageEncoder {
    public let tower: VisionTransformer<Transformer>

    /// CLIP's normalisation as SSP-IR's data loader writes it (`paired_dataset.py:163-165`).
    public static let mean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let standardDeviation: [Float] = [0.26862954, 0.26130258, 0.275777]

    /// SSP-IR's training preprocessing (`dataloaders/paired_dataset.py:193-196`) of LQ images `[B, 3, H, W]` in
    /// [0, 1]: bicubic resize to the tower's side (`F.interpolate`, align_corners False, no antialiasing: OpenCV's
    /// cubic kernel, a = −0.75), clamp to [0, 1], CLIP mean and standard deviation.
    /// - Throws: ``SSPIRError/invalidShape(name:shape:expected:)`` for another layout.
    public func preprocess(_ lq: Tensor) throws -> Tensor {
        guard lq.rank == 4, lq.shape[1] == 3, lq.shape[2] > 0, lq.shape[3] > 0 else {
            throw SSPIRError.invalidShape(name: "the LQ images", shape: lq.shape, expected: "[B, 3, H, W]")
        }
        let (batch, height, width) = (lq.shape[0], lq.shape[2], lq.shape[3])
        let side = tower.configuration.imageSize
        let values = lq.values, plane = height * width
        var out = [Float](repeating: 0, count: batch * 3 * side * side)
        for b in 0..<batch {
            let image = try Image(width: width, height: height, channels: 3,
                                  samples: Array(values[(b * 3 * plane)..<((b + 1) * 3 * plane)]))
            let resized = try image.resized(width: side, height: side, filter: .bicubic)
            for c in 0..<3 {
                let mean = Self.mean[c], deviation = Self.standardDeviation[c]
                for i in 0..<(side * side) {
                    let clamped = min(max(resized.samples[c * side * side + i], 0), 1)
                    out[((b * 3) + c) * side * side + i] = (clamped - mean) / deviation
                }
            }
        }
        return Tensor(shape: [batch, 3, side, side], values: out)
    }

    /// The last layer's patch tokens `[B, grid², width]` of preprocessed images `[B, 3, S, S]`.
    /// - Throws: ``DACLIPError/invalidInput(_:)`` for another shape.
    public func features(_ pixels: Tensor) throws -> Tensor {
        try tower.check(pixels)
        let tokens = tower.transformer.encode(tower.embed(pixels), adding: nil).output
        return tokens.sliced(axis: 1, 1..<tokens.shape[1])
    }

    init(tower: VisionTransformer<Transformer>) { self.tower = tower }

    /// A new encoder of `vision`'s sizes with weights drawn from `generator` (OpenCLIP's initialisation), MLP width
    /// 4 × the width, QuickGELU: small random towers for tests and CPU-sized training runs.
    public convenience init(random vision: CLIPConfiguration.Vision, generator: inout TensorRandom) {
        let trunk = Transformer(width: vision.width, layers: vision.layers, heads: vision.heads, mlpWidth: 4 * vision.width,
                                activation: .quickGELU, generator: &generator)
        let tower = VisionTransformer(vision, embedDim: 1, trunk: trunk, generator: &generator)
        tower.eval()
        self.init(tower: tower)
    }

    /// The prefixes a `CLIPVisionModel`'s tensors sit under: `vision_model.` (transformers before 5, and every
    /// `CLIPModel` file such as openai/clip-vit-large-patch14's, whose other towers are then not read) or none
    /// (transformers 5).
    public static let checkpointPrefixes = ["vision_model.", ""]

    /// The HF names of the vision tower's parameters outside its encoder layers, with their OpenCLIP names (both
    /// directions: the loader and ``transformersState()``).
    static let outsideRenames: [(hf: String, openCLIP: String)] = [
        ("embeddings.class_embedding", "class_embedding"), ("embeddings.patch_embedding.weight", "conv1.weight"),
        ("embeddings.position_embedding.weight", "positional_embedding"), ("pre_layrnorm.weight", "ln_pre.weight"),
        ("pre_layrnorm.bias", "ln_pre.bias"), ("post_layernorm.weight", "ln_post.weight"), ("post_layernorm.bias", "ln_post.bias"),
    ]

    /// Loads the encoder strictly from a `CLIPVisionModel` or `CLIPModel` folder (`model.safetensors`, else
    /// `pytorch_model.bin`, read by the restricted reader: nothing in the file runs) or file. Sizes come from the
    /// tensors' shapes; heads and the activation from the folder's `config.json` (`vision_config` of a CLIPModel)
    /// when present, else heads 64 wide and QuickGELU (OpenAI's CLIP).
    /// - Throws: ``SSPIRError/invalidWeights(file:reason:)`` naming missing, unexpected or misshapen keys.
    public static func load(contentsOf url: URL) throws -> CLIPImageEncoder {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw SSPIRError.invalidWeights(file: url.path, reason: "no such file or folder")
        }
        var weights = url
        var config: [String: Any] = [:]
        if isFolder.boolValue {
            let names = ["model.safetensors", "pytorch_model.bin"]
            guard let found = names.map({ url.appendingPathComponent($0) }).first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw SSPIRError.invalidWeights(file: url.path, reason: "neither \(names.joined(separator: " nor ")) is in it")
            }
            weights = found
            if let data = FileManager.default.contents(atPath: url.appendingPathComponent("config.json").path),
               let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
                config = (json["vision_config"] as? [String: Any]) ?? json
            }
        }
        let (tensors, _) = try CheckpointFile.contents(of: weights)
        return try load(tensors: tensors, file: weights.path, heads: config["num_attention_heads"] as? Int,
                        activation: (config["hidden_act"] as? String).flatMap(CLIPActivation.init(rawValue:)))
    }

    /// ``load(contentsOf:)`` on named tensors (`file` names them in errors).
    public static func load(tensors: [(name: String, tensor: StoredTensor)], file: String = "<memory>", heads: Int? = nil,
                            activation: CLIPActivation? = nil) throws -> CLIPImageEncoder {
        let byName = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        guard let prefix = checkpointPrefixes.first(where: { byName["\($0)embeddings.patch_embedding.weight"] != nil }) else {
            throw SSPIRError.invalidWeights(file: file, reason: "no embeddings.patch_embedding.weight under 'vision_model.' or at the top level")
        }
        var state: [String: StoredTensor] = [:]
        for (key, tensor) in byName where key.hasPrefix(prefix) { state[String(key.dropFirst(prefix.count))] = tensor }
        let patch = state["embeddings.patch_embedding.weight"]?.shape ?? []
        let positions = state["embeddings.position_embedding.weight"]?.shape ?? []
        guard patch.count == 4, patch[1] == 3, patch[2] == patch[3], positions.count == 2 else {
            throw SSPIRError.invalidWeights(file: file, reason: "the patch embedding \(patch) or positions \(positions) are not a CLIP vision tower's")
        }
        var vision = CLIPConfiguration.Vision()
        vision.width = patch[0]
        vision.patchSize = patch[2]
        let grid = Int(Double(positions[0] - 1).squareRoot().rounded())
        vision.imageSize = grid * patch[2]
        vision.layers = Set(state.keys.compactMap { key -> Int? in
            guard key.hasPrefix("encoder.layers.") else { return nil }
            return Int(key.dropFirst("encoder.layers.".count).prefix { $0 != "." })
        }).count
        let intermediate = state["encoder.layers.0.mlp.fc1.weight"]?.shape.first ?? vision.width * 4
        vision.mlpRatio = Double(intermediate) / Double(vision.width)
        vision.explicitHeads = heads ?? max(vision.width / 64, 1)
        guard vision.layers > 0, grid * grid + 1 == positions[0], vision.width % vision.heads == 0 else {
            throw SSPIRError.invalidWeights(file: file, reason: "\(vision.layers) layers, \(positions[0]) positions and \(vision.heads) heads of width \(vision.width) do not make a CLIP vision tower")
        }
        var expected = HFCLIPEncoderNames.expected(layers: vision.layers, width: vision.width, intermediate: intermediate)
        expected["embeddings.class_embedding"] = [vision.width]
        expected["embeddings.patch_embedding.weight"] = patch
        expected["embeddings.position_embedding.weight"] = positions
        for norm in ["pre_layrnorm", "post_layernorm"] {
            expected["\(norm).weight"] = [vision.width]
            expected["\(norm).bias"] = [vision.width]
        }
        let mismatch = HFCLIPEncoderNames.mismatch(state, expected: expected, ignored: ["embeddings.position_ids"])
        guard mismatch.missing.isEmpty, mismatch.unexpected.isEmpty, mismatch.wrongShape.isEmpty else {
            var parts: [String] = []
            if !mismatch.missing.isEmpty { parts.append("missing " + mismatch.missing.map { prefix + $0 }.joined(separator: ", ")) }
            if !mismatch.unexpected.isEmpty { parts.append("unexpected " + mismatch.unexpected.map { prefix + $0 }.joined(separator: ", ")) }
            if !mismatch.wrongShape.isEmpty { parts.append("misshapen " + mismatch.wrongShape.map { prefix + $0 }.joined(separator: ", ")) }
            throw SSPIRError.invalidWeights(file: file, reason: parts.joined(separator: "; "))
        }
        var generator = TensorRandom.placeholder
        let trunk = Transformer(width: vision.width, layers: vision.layers, heads: vision.heads, mlpWidth: intermediate,
                                activation: activation ?? .quickGELU, generator: &generator)
        let tower = VisionTransformer(vision, embedDim: 1, trunk: trunk, generator: &generator)
        var open = try HFCLIPEncoderNames.openCLIPState(state, layers: vision.layers)
        for (from, to) in outsideRenames { open[to] = state[from] }
        open["proj"] = try StoredTensor(shape: [vision.width, 1], float32: [Float](repeating: 0, count: vision.width))  // unused
        try tower.loadStateDict(open, strict: true)
        tower.eval()
        return CLIPImageEncoder(tower: tower)
    }
}
