import Checkpoints
import Foundation
import WildTensor

/// Where a Stable Diffusion component's files are, in the two layouts users have: a diffusers folder
/// (`<component>/config.json` and `<component>/diffusion_pytorch_model.safetensors` or `.bin`) and a single-file
/// checkpoint (`v1-5-pruned-emaonly.safetensors` or `.ckpt`, every component under its LDM prefix).
package enum DiffusersWeights {
    /// The configuration and weights of `component` (`vae`, `unet`, …) under `url`, or in `url` itself.
    /// - Throws: ``StableDiffusionError/unreadable(path:reason:)`` naming what was looked for, and where.
    package static func component(_ component: String, in url: URL) throws -> (config: Data, configPath: String, weights: URL) {
        let manager = FileManager.default
        let nested = url.appendingPathComponent(component)
        let folder = manager.fileExists(atPath: nested.appendingPathComponent("config.json").path) ? nested : url
        let configURL = folder.appendingPathComponent("config.json")
        guard let config = manager.contents(atPath: configURL.path) else {
            throw StableDiffusionError.unreadable(
                path: configURL.path, reason: "no diffusers \(component) config (looked for \(component)/config.json and config.json in \(url.path))")
        }
        let candidates = ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"].map { folder.appendingPathComponent($0) }
        guard let weights = candidates.first(where: { manager.fileExists(atPath: $0.path) }) else {
            throw StableDiffusionError.unreadable(path: folder.path, reason: "no diffusion_pytorch_model.safetensors or diffusion_pytorch_model.bin")
        }
        return (config, configURL.path, weights)
    }

    /// The entries under `prefix` of a single-file checkpoint: of a safetensors file only those are read (the other
    /// components stay in the mapping); a PyTorch file goes through the restricted reader, which executes nothing.
    package static func singleFileTensors(_ url: URL, prefix: String) throws -> [(name: String, tensor: StoredTensor)] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StableDiffusionError.unreadable(path: url.path, reason: "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw StableDiffusionError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        if CheckpointFormat.sniff(data) == .safetensors {
            let file = try SafeTensorsFile(data: data, name: url.path)
            return try file.names.filter { $0.hasPrefix(prefix) }.map { ($0, try file.tensor($0, file: url.path)) }
        }
        return try CheckpointFile.load(data: data, name: url.path).filter { $0.name.hasPrefix(prefix) }
    }
}

extension Module {
    /// Loads diffusers-named weights strictly; `file` names the source in errors. Parameters for which `required`
    /// answers no (modules the file does not have, such as SSP-IR's new attentions in an SD file) keep their values
    /// unless the file holds them.
    /// - Throws: ``StableDiffusionError/weightsMismatch(file:missing:unexpected:wrongShape:)`` naming every missing,
    ///   unexpected or misshapen key.
    public func loadDiffusersState(_ tensors: [(name: String, tensor: StoredTensor)], file: String,
                                   required: (String) -> Bool = { _ in true }) throws {
        var state: [String: StoredTensor] = [:]
        for (name, tensor) in tensors { state[name] = tensor }
        if let mismatch = weightsMismatch(state.mapValues(\.shape), file: file, required: required) { throw mismatch }
        try loadStateDict(state, strict: false)
    }

    /// Loads the entries of an original (LDM-named) checkpoint under `map`'s prefix strictly, renamed by `map`;
    /// entries outside the prefix are ignored, errors name keys as the file does; `required` as in
    /// ``loadDiffusersState(_:file:required:)``.
    public func loadOriginalState(_ tensors: [(name: String, tensor: StoredTensor)], map: LDMKeyMap, file: String,
                                  required: (String) -> Bool = { _ in true }) throws {
        let (state, names) = try map.diffusersState(tensors)
        guard !state.isEmpty else {
            throw StableDiffusionError.unreadable(path: file, reason: "no key starts with \(map.prefix); not a single-file SD checkpoint with this component")
        }
        if let mismatch = weightsMismatch(state.mapValues(\.shape), file: file, originalNames: names, map: map, required: required) {
            throw mismatch
        }
        try loadStateDict(state, strict: false)
    }

    /// The strict comparison of diffusers-named shapes with the module's parameters: nil when every parameter
    /// `required` names is present with its shape and nothing unknown is given, else the error listing each key in
    /// the file's naming (`originalNames` gives a renamed key's original, `map` the original of a missing one).
    public func weightsMismatch(_ shapes: [String: [Int]], file: String, originalNames: [String: String] = [:],
                                map: LDMKeyMap? = nil, required: (String) -> Bool = { _ in true }) -> StableDiffusionError? {
        let parameters = namedParameters()
        let known = Set(parameters.map(\.name))
        func shown(_ name: String) -> String { originalNames[name] ?? map?.original(name) ?? name }
        var missing: [String] = [], wrongShape: [String] = []
        for (name, tensor) in parameters {
            guard let shape = shapes[name] else {
                if required(name) { missing.append(shown(name)) }
                continue
            }
            if shape != tensor.shape { wrongShape.append("\(shown(name)) (model \(tensor.shape), file \(shape))") }
        }
        let unexpected = shapes.keys.filter { !known.contains($0) }.map(shown).sorted()
        guard !(missing.isEmpty && unexpected.isEmpty && wrongShape.isEmpty) else { return nil }
        return .weightsMismatch(file: file, missing: missing, unexpected: unexpected, wrongShape: wrongShape)
    }
}
