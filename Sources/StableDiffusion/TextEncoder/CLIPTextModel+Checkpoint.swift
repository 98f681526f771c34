import Checkpoints
import Foundation
import WildTensor

extension CLIPTextModel {
    /// Where a text encoder's tensors sit in the checkpoints this reads, most specific first: the single-file SD 1.x
    /// checkpoint (`cond_stage_model.transformer.text_model.`), HF transformers before 5 and the diffusers folders
    /// written with it (`text_model.`), HF transformers 5 (no prefix).
    public static let checkpointPrefixes = ["cond_stage_model.transformer.text_model.", "text_model.", ""]

    /// Loads a text encoder strictly from:
    /// - a diffusers pipeline folder (its `text_encoder/`) or a `text_encoder` folder: `model.safetensors`, else
    ///   `pytorch_model.bin` (read by the restricted reader of `Checkpoints`: no code from the file runs), with
    ///   `config.json` when present;
    /// - a file: a single-file SD 1.x checkpoint (`.safetensors` or `.ckpt`; only its
    ///   `cond_stage_model.transformer.text_model.*` tensors are read) or an HF text encoder file.
    ///
    /// The configuration is `configuration` when given, else the folder's `config.json` (as transformers reads it;
    /// weights of other sizes are a mismatch), else SD 1.5's with the sizes read from the tensor shapes (heads 64
    /// wide, QuickGELU).
    /// - Throws: ``TextEncoderError`` (`unrecognisedCheckpoint`, `stateDictMismatch` naming the file's keys,
    ///   `nonFiniteWeight`, `invalidConfiguration`), or the reader's error for a file that is not a checkpoint.
    public static func load(contentsOf url: URL, configuration: CLIPTextConfiguration? = nil) throws -> CLIPTextModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw TextEncoderError.unrecognisedCheckpoint(file: url.path, reason: "no such file or folder")
        }
        guard isFolder.boolValue else {
            let (tensors, _) = try CheckpointFile.contents(of: url)
            return try load(tensors: tensors, file: url.path, configuration: configuration)
        }
        let nested = url.appendingPathComponent("text_encoder", isDirectory: true)
        let folder = FileManager.default.fileExists(atPath: nested.path) ? nested : url
        let names = ["model.safetensors", "pytorch_model.bin"]
        guard let weights = names.map({ folder.appendingPathComponent($0) }).first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            let sharded = FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors.index.json").path)
            throw TextEncoderError.unrecognisedCheckpoint(
                file: folder.path, reason: sharded ? "sharded weights (model.safetensors.index.json) are not supported"
                    : "neither \(names.joined(separator: " nor ")) is in it (nor in a text_encoder/ folder)")
        }
        var resolved = configuration
        let configFile = folder.appendingPathComponent("config.json")
        if resolved == nil, let data = FileManager.default.contents(atPath: configFile.path) {
            resolved = try CLIPTextConfiguration(configJSON: data, file: configFile.path)
        }
        let (tensors, _) = try CheckpointFile.contents(of: weights)
        return try load(tensors: tensors, file: weights.path, configuration: resolved)
    }

    /// ``load(contentsOf:configuration:)`` on a checkpoint's named tensors (`file` names it in errors).
    ///
    /// - Parameter sizesFromShapes: read the sizes (vocabulary, width, MLP width, layers, positions) from the tensors
    ///   over those of `configuration` (its heads and activation are kept); the default when `configuration` is nil.
    public static func load(tensors: [(name: String, tensor: StoredTensor)], file: String = "<memory>",
                            configuration: CLIPTextConfiguration? = nil, sizesFromShapes: Bool? = nil) throws -> CLIPTextModel {
        var byName: [String: StoredTensor] = [:]
        for (name, tensor) in tensors where byName.updateValue(tensor, forKey: name) != nil {
            throw TextEncoderError.unrecognisedCheckpoint(file: file, reason: "tensor '\(name)' is stored twice")
        }
        guard let prefix = checkpointPrefixes.first(where: { byName["\($0)embeddings.token_embedding.weight"] != nil }) else {
            throw TextEncoderError.unrecognisedCheckpoint(
                file: file, reason: "no embeddings.token_embedding.weight under any of the prefixes "
                    + checkpointPrefixes.map { "'\($0)'" }.joined(separator: ", "))
        }
        // A single-file SD checkpoint also holds the U-Net and the VAE: only the text encoder's keys are read.
        let own = byName.filter { $0.key.hasPrefix(prefix) }
        let outside = prefix.hasPrefix("cond_stage_model.") ? [] : byName.keys.filter { !$0.hasPrefix(prefix) }.sorted()
        var state: [String: StoredTensor] = [:]
        for (key, tensor) in own { state[String(key.dropFirst(prefix.count))] = tensor }
        var resolved = configuration ?? .stableDiffusion15
        if sizesFromShapes ?? (configuration == nil) {
            resolved = try inferredSizes(state, over: resolved, file: file, prefix: prefix, guessHeads: configuration == nil)
        }
        try resolved.validate()
        let mismatch = HFTextEncoderNames.mismatch(state, configuration: resolved)
        if !mismatch.missing.isEmpty || !mismatch.unexpected.isEmpty || !mismatch.wrongShape.isEmpty || !outside.isEmpty {
            throw TextEncoderError.stateDictMismatch(file: file, missing: mismatch.missing.map { prefix + $0 },
                                                     unexpected: mismatch.unexpected.map { prefix + $0 } + outside,
                                                     wrongShape: mismatch.wrongShape.map { prefix + $0 })
        }
        if let bad = state.keys.sorted().first(where: { !(state[$0]?.isFinite ?? true) }) {
            throw TextEncoderError.nonFiniteWeight(file: file, key: prefix + bad)
        }
        var generator = TensorRandom.placeholder
        let model = try CLIPTextModel(resolved, generator: &generator)
        do {
            try model.loadStateDict(try HFTextEncoderNames.openCLIPState(state, layers: resolved.layers), strict: true)
        } catch let TensorError.stateDictMismatch(missing, unexpected, wrongShape) {
            throw TextEncoderError.stateDictMismatch(file: file, missing: missing, unexpected: unexpected, wrongShape: wrongShape)
        }
        model.eval()
        return model
    }

    /// The sizes the tensors imply, over `base`; heads 64 wide when `guessHeads` (SD 1.5's 768/64 = 12).
    private static func inferredSizes(_ state: [String: StoredTensor], over base: CLIPTextConfiguration, file: String,
                                      prefix: String, guessHeads: Bool) throws -> CLIPTextConfiguration {
        func shape(_ key: String, rank: Int) throws -> [Int] {
            guard let tensor = state[key], tensor.shape.count == rank else {
                throw TextEncoderError.unrecognisedCheckpoint(
                    file: file, reason: "\(prefix)\(key) is \(state[key].map { "of shape \($0.shape)" } ?? "missing"); expected rank \(rank)")
            }
            return tensor.shape
        }
        var c = base
        let token = try shape("embeddings.token_embedding.weight", rank: 2)
        (c.vocabSize, c.width) = (token[0], token[1])
        c.contextLength = try shape("embeddings.position_embedding.weight", rank: 2)[0]
        let layerNumbers = state.keys.compactMap { key -> Int? in
            guard key.hasPrefix("encoder.layers.") else { return nil }
            return Int(key.dropFirst("encoder.layers.".count).prefix { $0 != "." })
        }
        c.layers = (layerNumbers.max() ?? -1) + 1
        if c.layers > 0 { c.intermediateSize = try shape("encoder.layers.0.mlp.fc1.weight", rank: 2)[0] }
        if guessHeads { c.heads = Swift.max(c.width / 64, 1) }
        return c
    }
}

/// The name map between HF transformers' `CLIPTextTransformer` keys (without the `text_model.` prefix) and the
/// OpenCLIP text tower's.
enum HFTextEncoderNames {
    /// Every HF key with its shape for `configuration`; `embeddings.position_ids` (a buffer that transformers ≥ 4.31
    /// no longer saves and ignores when loading; older files hold it) is accepted and not used.
    static func expected(_ c: CLIPTextConfiguration) -> [String: [Int]] {
        let w = c.width
        var keys: [String: [Int]] = ["embeddings.token_embedding.weight": [c.vocabSize, w],
                                     "embeddings.position_embedding.weight": [c.contextLength, w],
                                     "final_layer_norm.weight": [w], "final_layer_norm.bias": [w]]
        keys.merge(HFCLIPEncoderNames.expected(layers: c.layers, width: w, intermediate: c.intermediateSize)) { $1 }
        return keys
    }

    static let ignored: Set<String> = ["embeddings.position_ids"]

    /// The keys of `state` that are missing, unexpected or misshapen for `configuration` (sorted).
    static func mismatch(_ state: [String: StoredTensor], configuration: CLIPTextConfiguration)
        -> (missing: [String], unexpected: [String], wrongShape: [String]) {
        HFCLIPEncoderNames.mismatch(state, expected: expected(configuration), ignored: ignored)
    }

    /// The HF names of the text tower's parameters outside its encoder layers, with their OpenCLIP names (both
    /// directions: ``openCLIPState(_:layers:)`` and ``CLIPTextModel/transformersState()``).
    static let outsideRenames: [(hf: String, openCLIP: String)] = [
        ("embeddings.token_embedding.weight", "token_embedding.weight"), ("embeddings.position_embedding.weight", "positional_embedding"),
        ("final_layer_norm.weight", "ln_final.weight"), ("final_layer_norm.bias", "ln_final.bias"),
    ]

    /// The OpenCLIP keys of ``CLIPTextModel`` from HF's (already checked by ``mismatch(_:configuration:)``): q, k
    /// and v stacked into `in_proj_weight`/`in_proj_bias` in that order, the rest renamed.
    static func openCLIPState(_ state: [String: StoredTensor], layers: Int) throws -> [String: StoredTensor] {
        var out: [String: StoredTensor] = [:]
        func move(_ from: String, _ to: String) {
            if let tensor = state[from] { out[to] = tensor }
        }
        for (hfKey, openCLIPKey) in outsideRenames { move(hfKey, openCLIPKey) }
        out.merge(try HFCLIPEncoderNames.openCLIPState(state, layers: layers)) { $1 }
        return out
    }
}

/// The name map between the encoder layers of HF transformers' CLIP towers (`encoder.layers.{i}.self_attn.q_proj`, …,
/// text and vision alike) and OpenCLIP's ``Transformer`` (`transformer.resblocks.{i}.attn.in_proj_weight`, …).
package enum HFCLIPEncoderNames {
    /// Every HF encoder-layer key with its shape.
    package static func expected(layers: Int, width w: Int, intermediate: Int) -> [String: [Int]] {
        var keys: [String: [Int]] = [:]
        for i in 0..<layers {
            let layer = "encoder.layers.\(i)."
            for projection in ["q_proj", "k_proj", "v_proj", "out_proj"] {
                keys[layer + "self_attn.\(projection).weight"] = [w, w]
                keys[layer + "self_attn.\(projection).bias"] = [w]
            }
            for norm in ["layer_norm1", "layer_norm2"] {
                keys[layer + "\(norm).weight"] = [w]
                keys[layer + "\(norm).bias"] = [w]
            }
            keys[layer + "mlp.fc1.weight"] = [intermediate, w]
            keys[layer + "mlp.fc1.bias"] = [intermediate]
            keys[layer + "mlp.fc2.weight"] = [w, intermediate]
            keys[layer + "mlp.fc2.bias"] = [w]
        }
        return keys
    }

    /// The keys of `state` that are missing, unexpected (and not `ignored`) or misshapen against `expected`
    /// (each list sorted).
    package static func mismatch(_ state: [String: StoredTensor], expected: [String: [Int]], ignored: Set<String>)
        -> (missing: [String], unexpected: [String], wrongShape: [String]) {
        let missing = expected.keys.filter { state[$0] == nil }.sorted()
        let unexpected = state.keys.filter { expected[$0] == nil && !ignored.contains($0) }.sorted()
        let wrongShape = expected.compactMap { key, shape -> String? in
            guard let found = state[key], found.shape != shape else { return nil }
            return "\(key) (\(found.shape) in the file, \(shape) expected)"
        }.sorted()
        return (missing, unexpected, wrongShape)
    }

    /// The encoder-layer parameters HF and OpenCLIP name alike but for the name (within `encoder.layers.{i}.` and
    /// `transformer.resblocks.{i}.`): every one but q, k and v, which OpenCLIP stacks into `attn.in_proj_*`. The
    /// reader (``openCLIPState(_:layers:)``) and the writer (``transformersState(_:)``) both use this table.
    package static let blockRenames: [(hf: String, openCLIP: String)] = ["weight", "bias"].flatMap { part in
        [("self_attn.out_proj.\(part)", "attn.out_proj.\(part)"), ("layer_norm1.\(part)", "ln_1.\(part)"),
         ("layer_norm2.\(part)", "ln_2.\(part)"), ("mlp.fc1.\(part)", "mlp.c_fc.\(part)"), ("mlp.fc2.\(part)", "mlp.c_proj.\(part)")]
    }

    /// The OpenCLIP keys of the encoder layers in `state` (HF names, already checked): q, k and v stacked into
    /// `in_proj_weight`/`in_proj_bias` in that order, the rest renamed.
    package static func openCLIPState(_ state: [String: StoredTensor], layers: Int) throws -> [String: StoredTensor] {
        var out: [String: StoredTensor] = [:]
        func move(_ from: String, _ to: String) {
            if let tensor = state[from] { out[to] = tensor }
        }
        for i in 0..<layers {
            let (hf, clip) = ("encoder.layers.\(i).", "transformer.resblocks.\(i).")
            for part in ["weight", "bias"] {
                let pieces = ["q_proj", "k_proj", "v_proj"].compactMap { state[hf + "self_attn.\($0).\(part)"] }
                guard pieces.count == 3 else { continue }
                let shape = [pieces.reduce(0) { $0 + $1.shape[0] }] + pieces[0].shape.dropFirst()
                out[clip + "attn.in_proj_\(part)"] = try StoredTensor(shape: shape, float32: pieces.flatMap { $0.floatValues() })
            }
            for (hfKey, openCLIPKey) in blockRenames { move(hf + hfKey, clip + openCLIPKey) }
        }
        return out
    }
}
