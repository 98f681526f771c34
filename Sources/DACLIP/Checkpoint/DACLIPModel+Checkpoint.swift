import Checkpoints
import Foundation
import WildTensor

extension DACLIPModel {
    /// Metadata keys of WildIR's DA-CLIP files.
    public enum MetadataKey {
        /// The configuration as an OpenCLIP model-config JSON.
        public static let configuration = "wildir.daclip.configuration"
        /// How the `visual.*` alias is stored.
        public static let aliases = "wildir.daclip.aliases"
    }

    /// Loads DA-CLIP weights strictly from an official checkpoint or a WildIR file.
    ///
    /// Accepted: `.pt` files of the official training script (`torch.save({'epoch', 'name', 'state_dict',
    /// 'optimizer', …})`, with or without DDP's `module.` prefix), a bare state dict, or safetensors, all read by the
    /// restricted reader of `Checkpoints` (no code from the file runs). The configuration is `configuration` when
    /// given, else the file's ``MetadataKey/configuration``, else read from the tensor shapes
    /// (``CLIPConfiguration/init(inferringFrom:headWidth:file:)``). See ``init(tensors:metadata:file:configuration:)``.
    public convenience init(contentsOf url: URL, configuration: CLIPConfiguration? = nil) throws {
        let (tensors, metadata) = try CheckpointFile.contents(of: url)
        try self.init(tensors: tensors, metadata: metadata, file: url.path, configuration: configuration)
    }

    /// Loads DA-CLIP weights strictly from named tensors (a checkpoint's contents; `file` names it in errors).
    ///
    /// Keys are resolved as ``DACLIPStateDict`` describes (prefix, `visual.*` alias); then every parameter of the
    /// model must be present with its exact shape and no other key may remain (PyTorch `strict=True`), and every
    /// value must be finite. The model is left in evaluation mode.
    /// - Throws: ``DACLIPError`` (`aliasMismatch`, `stateDictMismatch` listing missing and unexpected keys and shape
    ///   mismatches, `nonFiniteWeight`, `unrecognisedStateDict`, `invalidConfiguration`, `unsupportedConfiguration`).
    public convenience init(tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:],
                            file: String = "<memory>", configuration: CLIPConfiguration? = nil) throws {
        let state = try DACLIPStateDict(tensors, file: file)
        let resolved = try configuration
            ?? metadata[MetadataKey.configuration].map { try CLIPConfiguration(openCLIPJSON: Data($0.utf8)) }
            ?? CLIPConfiguration(inferringFrom: state.tensors, file: file)
        if let bad = state.tensors.keys.sorted().first(where: { !(state.tensors[$0]?.isFinite ?? true) }) {
            throw DACLIPError.nonFiniteWeight(file: file, key: state.sourceNames[bad] ?? bad)
        }
        try self.init(configuration: resolved, generator: .placeholder)
        do {
            try loadStateDict(state.tensors, strict: true)
        } catch let TensorError.stateDictMismatch(missing, unexpected, wrongShape) {
            throw DACLIPError.stateDictMismatch(file: file, missing: missing, unexpected: unexpected.map { state.sourceNames[$0] ?? $0 },
                                                wrongShape: wrongShape)
        }
        eval()
    }

    /// Writes the weights as safetensors with the official names, the configuration in the metadata.
    ///
    /// The `visual.*` alias is not repeated: its tensors are stored once, as `clip.visual.*` (safetensors has no
    /// shared storage, and a second copy of the image tower would add a third to the file); loading accepts that.
    public func write(to url: URL, metadata extra: [String: String] = [:]) throws {
        var metadata = extra
        metadata["format"] = "pt"
        metadata[MetadataKey.configuration] = String(decoding: configuration.openCLIPJSON(), as: UTF8.self)
        metadata[MetadataKey.aliases] = "visual.* is clip.visual.* (stored once, as clip.visual.*)"
        try SafeTensorsFile.write(stateDict(), metadata: metadata, to: url)
    }
}
