import Checkpoints
import Foundation
import Models
import SDE
import WildTensor

/// A trained restoration network with the SDE it was trained for, loaded from a WildIR safetensors checkpoint
/// (configuration in its metadata) or from an official checkpoint (`.pth` state dict or safetensors), whose
/// network configuration is read from the tensor names and shapes.
public final class RestorationModel {
    public let network: ConditionalUNet
    public let sdeOptions: SDEOptions
    /// Free-form description from the checkpoint (training data, iterations), if any.
    public let metadata: [String: String]

    /// Metadata keys of WildIR checkpoints.
    public enum MetadataKey {
        public static let network = "wildir.network"
        public static let sde = "wildir.sde"
    }

    public init(network: ConditionalUNet, sdeOptions: SDEOptions, metadata: [String: String] = [:]) {
        self.network = network
        self.sdeOptions = sdeOptions
        self.metadata = metadata
    }

    /// Loads a checkpoint; `configuration` overrides what the file says or implies.
    public convenience init(contentsOf url: URL, configuration: ConditionalUNetConfiguration? = nil,
                            sdeOptions: SDEOptions? = nil) throws {
        let (tensors, metadata) = try CheckpointFile.contents(of: url)
        let state = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        let decoder = JSONDecoder()
        let network = try configuration
            ?? metadata[MetadataKey.network].map { try decoder.decode(ConditionalUNetConfiguration.self, from: Data($0.utf8)) }
            ?? ConditionalUNetConfiguration(inferringFrom: state)
        let sde = try sdeOptions ?? metadata[MetadataKey.sde].map { try decoder.decode(SDEOptions.self, from: Data($0.utf8)) }
            ?? SDEOptions()
        let model = ConditionalUNet(network)
        do { try model.loadStateDict(state, strict: true) } catch {
            throw RestorationError.incompatibleCheckpoint(url.path, "\(error)")
        }
        model.eval()
        self.init(network: model, sdeOptions: sde, metadata: metadata)
    }

    /// Writes the weights and configuration as a WildIR safetensors checkpoint (atomically).
    public func write(to url: URL, extraMetadata: [String: String] = [:]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = self.metadata.merging(extraMetadata) { _, new in new }
        metadata["format"] = "pt"
        metadata[MetadataKey.network] = String(decoding: try encoder.encode(network.configuration), as: UTF8.self)
        metadata[MetadataKey.sde] = String(decoding: try encoder.encode(sdeOptions), as: UTF8.self)
        try SafeTensorsFile.write(network.stateDict(), metadata: metadata, to: url)
    }
}

/// Why a restoration could not run.
public enum RestorationError: Error, CustomStringConvertible, Equatable {
    case incompatibleCheckpoint(String, String)
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .incompatibleCheckpoint(file, why): return "\(file): the weights do not fit the network: \(why)"
        case let .invalidOption(why): return "invalid restoration option: \(why)"
        }
    }
}
