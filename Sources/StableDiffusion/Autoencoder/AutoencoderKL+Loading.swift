import Checkpoints
import Foundation
import WildTensor

extension AutoencoderKL {
    /// The VAE of a diffusers folder: `vae/config.json` and `vae/diffusion_pytorch_model.safetensors` (or `.bin`,
    /// read by the restricted PyTorch reader, which never executes anything), under `url` or in `url` itself.
    ///
    /// - Throws: ``StableDiffusionError/unreadable(path:reason:)`` for an absent folder or file, a configuration error
    ///   for a config describing another network, ``StableDiffusionError/weightsMismatch(file:missing:unexpected:wrongShape:)``
    ///   naming every missing, unexpected or misshapen key (strict, as `from_pretrained`'s default).
    public static func load(diffusersFolder url: URL) throws -> AutoencoderKL {
        let manager = FileManager.default
        let nested = url.appendingPathComponent("vae")
        let folder = manager.fileExists(atPath: nested.appendingPathComponent("config.json").path) ? nested : url
        let configURL = folder.appendingPathComponent("config.json")
        guard let configData = manager.contents(atPath: configURL.path) else {
            throw StableDiffusionError.unreadable(path: configURL.path, reason: "no diffusers VAE config (looked for vae/config.json and config.json in \(url.path))")
        }
        let configuration = try AutoencoderKLConfiguration(diffusersConfig: configData, file: configURL.path)
        let candidates = ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"].map { folder.appendingPathComponent($0) }
        guard let weights = candidates.first(where: { manager.fileExists(atPath: $0.path) }) else {
            throw StableDiffusionError.unreadable(path: folder.path, reason: "no diffusion_pytorch_model.safetensors or diffusion_pytorch_model.bin")
        }
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(configuration, generator: &generator)
        try vae.loadDiffusersState(try CheckpointFile.load(weights), file: weights.path)
        return vae
    }

    /// The VAE of a single-file SD checkpoint (`v1-5-pruned-emaonly.safetensors` or `.ckpt`): the entries under
    /// `first_stage_model.` in LDM naming, renamed by ``LDMKeyMap/autoencoderKL(_:)``; the file's other components are
    /// not read. Such files carry no configuration: `configuration` describes the VAE (SD-1.5's by default).
    public static func load(singleFile url: URL, configuration: AutoencoderKLConfiguration = .stableDiffusion15) throws -> AutoencoderKL {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StableDiffusionError.unreadable(path: url.path, reason: "no such file")
        }
        let prefix = LDMKeyMap.autoencoderKL(configuration).prefix
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw StableDiffusionError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let tensors: [(name: String, tensor: StoredTensor)]
        if CheckpointFormat.sniff(data) == .safetensors {
            // Only the VAE's entries (the file's U-Net and text encoder are left in the mapping).
            let file = try SafeTensorsFile(data: data, name: url.path)
            tensors = try file.names.filter { $0.hasPrefix(prefix) }.map { ($0, try file.tensor($0, file: url.path)) }
        } else {
            tensors = try CheckpointFile.load(data: data, name: url.path)
        }
        var generator = TensorRandom.placeholder
        let vae = try AutoencoderKL(configuration, generator: &generator)
        try vae.loadOriginalState(tensors, file: url.path)
        return vae
    }

    /// Loads diffusers-named weights strictly; `file` names the source in errors.
    public func loadDiffusersState(_ tensors: [(name: String, tensor: StoredTensor)], file: String) throws {
        var state: [String: StoredTensor] = [:]
        for (name, tensor) in tensors { state[name] = tensor }
        if let mismatch = weightsMismatch(state.mapValues(\.shape), file: file) { throw mismatch }
        try loadStateDict(state, strict: true)
    }

    /// Loads the `first_stage_model.` entries of an original (LDM-named) checkpoint strictly; entries outside the
    /// prefix are ignored, errors name keys as the file does.
    public func loadOriginalState(_ tensors: [(name: String, tensor: StoredTensor)], file: String) throws {
        let map = LDMKeyMap.autoencoderKL(configuration)
        let (state, names) = try map.diffusersState(tensors)
        guard !state.isEmpty else {
            throw StableDiffusionError.unreadable(path: file, reason: "no key starts with \(map.prefix); not a single-file SD checkpoint with a VAE")
        }
        if let mismatch = weightsMismatch(state.mapValues(\.shape), file: file, originalNames: names, map: map) { throw mismatch }
        try loadStateDict(state, strict: true)
    }

    /// The strict comparison of diffusers-named shapes with the model's parameters: nil when every parameter is
    /// present with its shape and nothing else is given, else the error listing each key in the file's naming
    /// (`originalNames` gives a renamed key's original, `map` the original of a missing one).
    public func weightsMismatch(_ shapes: [String: [Int]], file: String, originalNames: [String: String] = [:],
                                map: LDMKeyMap? = nil) -> StableDiffusionError? {
        let parameters = namedParameters()
        let known = Set(parameters.map(\.name))
        func shown(_ name: String) -> String { originalNames[name] ?? map?.original(name) ?? name }
        var missing: [String] = [], wrongShape: [String] = []
        for (name, tensor) in parameters {
            guard let shape = shapes[name] else { missing.append(shown(name)); continue }
            if shape != tensor.shape { wrongShape.append("\(shown(name)) (model \(tensor.shape), file \(shape))") }
        }
        let unexpected = shapes.keys.filter { !known.contains($0) }.map(shown).sorted()
        guard !(missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty) else { return nil }
        return .weightsMismatch(file: file, missing: missing, unexpected: unexpected, wrongShape: wrongShape)
    }
}
