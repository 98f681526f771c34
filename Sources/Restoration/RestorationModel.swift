import Checkpoints
import Foundation
import Models
import SDE
import WildTensor

/// A trained restoration network with the SDE it was trained for: WildIR's model file format.
///
/// A WildIR model is a safetensors file whose tensors carry the official parameter names and whose metadata holds
/// the network configuration (``MetadataKey/network``) and the SDE options (``MetadataKey/sde``) as JSON. Official
/// checkpoints (`.pth` state dicts or safetensors without that metadata) load too: their network configuration is
/// read from the tensor names and shapes, or given by a ``ModelDescription``.
public final class RestorationModel {
    public let network: ConditionalUNet
    public let sdeOptions: SDEOptions
    /// The file's metadata (training data, iterations, …) besides the description keys.
    public let metadata: [String: String]

    /// Metadata keys of WildIR model files (and of training checkpoints, which describe their network the same way).
    public enum MetadataKey {
        public static let network = "wildir.network"
        public static let sde = "wildir.sde"
        public static let iterations = "wildir.iterations"
    }

    public init(network: ConditionalUNet, sdeOptions: SDEOptions, metadata: [String: String] = [:]) {
        self.network = network
        self.sdeOptions = sdeOptions
        self.metadata = metadata
    }

    /// Loads a model file; `description` overrides what the file says or implies.
    /// - Throws: ``RestorationError`` when the description is invalid, the weights do not fit it strictly, or a
    ///   weight is not finite; ``CheckpointError`` when the file cannot be read.
    public convenience init(contentsOf url: URL, description: ModelDescription? = nil) throws {
        let (tensors, metadata) = try CheckpointFile.contents(of: url)
        let state = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let configuration: ConditionalUNetConfiguration
        let sde: SDEOptions
        do {
            let decoder = JSONDecoder()
            configuration = try description?.network.configuration
                ?? metadata[MetadataKey.network].map { try decoder.decode(ConditionalUNetConfiguration.self, from: Data($0.utf8)) }
                ?? ConditionalUNetConfiguration(inferringFrom: state)
            sde = try description?.sde
                ?? metadata[MetadataKey.sde].map { try decoder.decode(SDEOptions.self, from: Data($0.utf8)) }
                ?? SDEOptions()
            try configuration.validate()
            try sde.validate()
            try ModelDescription.checkCompatible(network: configuration, sde: sde)
        } catch let error as RestorationError {
            throw error
        } catch {
            throw RestorationError.invalidModel(url.path, "\(error)")
        }
        if let bad = state.first(where: { !$0.value.isFinite }) {
            throw RestorationError.invalidModel(url.path, "tensor '\(bad.key)' holds values that are not finite (NaN or ±inf)")
        }
        let model = ConditionalUNet(configuration, generator: .placeholder)  // every parameter is loaded next
        do { try model.loadStateDict(state, strict: true) } catch {
            throw RestorationError.incompatibleCheckpoint(url.path, "\(error)")
        }
        model.eval()
        self.init(network: model, sdeOptions: sde, metadata: metadata)
    }

    /// The metadata that describes `configuration` and `sde` in a WildIR file.
    public static func descriptionMetadata(network configuration: ConditionalUNetConfiguration, sde: SDEOptions) throws
        -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return [MetadataKey.network: String(decoding: try encoder.encode(configuration), as: UTF8.self),
                MetadataKey.sde: String(decoding: try encoder.encode(sde), as: UTF8.self)]
    }

    /// Writes the weights and their description as a WildIR model file (atomically).
    public func write(to url: URL, extraMetadata: [String: String] = [:]) throws {
        var metadata = self.metadata.merging(extraMetadata) { _, new in new }
        metadata["format"] = "pt"
        metadata.merge(try Self.descriptionMetadata(network: network.configuration, sde: sdeOptions)) { _, new in new }
        try SafeTensorsFile.write(network.stateDict(), metadata: metadata, to: url)
    }
}

/// Why a model could not be loaded or a restoration could not run.
public enum RestorationError: Error, CustomStringConvertible, Equatable {
    case incompatibleCheckpoint(String, String)
    /// The file's description (metadata or inferred configuration) or its values cannot make a working model.
    case invalidModel(String, String)
    case invalidOption(String)
    /// The default model was looked for and not found.
    case modelNotFound(String)
    /// The network produced NaN or infinity: its weights or the input are broken.
    case nonFiniteOutput
    /// The network is conditioned on DA-CLIP and no DA-CLIP model was given.
    case daclipRequired(String)
    /// The DA-CLIP model given cannot condition this network (no context, or another embedding width).
    case incompatibleDACLIP(String)
    /// The caller's cancellation check answered yes between two sampling steps.
    case cancelled

    public var description: String {
        switch self {
        case let .incompatibleCheckpoint(file, why): return "\(file): the weights do not fit the network: \(why)"
        case let .invalidModel(file, why): return "\(file): not a usable restoration model: \(why)"
        case let .invalidOption(why): return "invalid restoration option: \(why)"
        case let .modelNotFound(why): return why
        case .nonFiniteOutput:
            return "the network produced values that are not finite (NaN or ±inf); the model's weights are probably broken"
        case let .daclipRequired(why): return why
        case let .incompatibleDACLIP(why): return "these DA-CLIP weights cannot condition the network: \(why)"
        case .cancelled: return "the restoration was cancelled"
        }
    }
}
