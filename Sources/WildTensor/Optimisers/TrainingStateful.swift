import Checkpoints
import Foundation

/// Something whose training state goes into a checkpoint: an optimiser, a learning-rate scheduler, an
/// exponential moving average.
///
/// The state is a list of named tensors plus a string map of metadata (step counts, hyper-parameters), exactly
/// what a safetensors file holds, so a training checkpoint is one file written atomically with
/// `SafeTensorsFile.write` (see `TrainingState` for several components in one file). Loading the state into a
/// freshly built component and continuing gives bit-for-bit the same results as never having stopped.
///
/// Configuration (hyper-parameters, schedule, decay) is checked, not restored: loading throws
/// `TensorError.stateMismatch` when the saved configuration differs from the component's, rather than silently
/// overriding one with the other. Change a setting after loading if a change is intended.
public protocol TrainingStateful: AnyObject {
    /// The state tensors, in a stable order.
    func stateTensors() -> [(name: String, tensor: StoredTensor)]
    /// Step counts and configuration, as strings (numbers in Swift's shortest round-trip form).
    func stateMetadata() -> [String: String]
    /// Replaces the state with a saved one after validating it completely; on error nothing has changed.
    ///
    /// - Throws: `TensorError.stateMismatch` naming every entry that does not fit (unknown or missing names,
    ///   wrong shapes or element types, a different configuration).
    func loadState(tensors: [String: StoredTensor], metadata: [String: String]) throws
}

/// Several `TrainingStateful` components in one safetensors checkpoint, each under its own prefix.
///
/// Component `c` saved under prefix `"optimiser"` stores tensor `n` as `"optimiser/n"` and metadata key `k` as
/// `"optimiser/k"`. PyTorch state-dict keys never contain `/`, so model weights can sit in the same file under
/// their own names (pass them as `tensors`).
public enum TrainingState {
    /// The tensors and metadata of `components`, prefixed.
    public static func collect(
        _ components: [(prefix: String, component: any TrainingStateful)]
    ) -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        var tensors: [(name: String, tensor: StoredTensor)] = []
        var metadata: [String: String] = [:]
        for (prefix, component) in components {
            for (name, tensor) in component.stateTensors() { tensors.append(("\(prefix)/\(name)", tensor)) }
            for (key, value) in component.stateMetadata() { metadata["\(prefix)/\(key)"] = value }
        }
        return (tensors, metadata)
    }

    /// Writes the components' state, plus any other tensors (model weights) and metadata, to `url` atomically.
    public static func write(
        _ components: [(prefix: String, component: any TrainingStateful)],
        tensors: [(name: String, tensor: StoredTensor)] = [], metadata: [String: String] = [:], to url: URL
    ) throws {
        let state = collect(components)
        try SafeTensorsFile.write(tensors + state.tensors, metadata: metadata.merging(state.metadata) { _, saved in saved }, to: url)
    }

    /// Loads each component's state from `file`; all or nothing: if one component rejects its state, those
    /// already loaded are put back as they were and the error is rethrown.
    ///
    /// - Throws: `TensorError.stateMismatch` when a prefix is absent from the file or a component rejects its state.
    public static func restore(_ components: [(prefix: String, component: any TrainingStateful)], from file: SafeTensorsFile) throws {
        var loaded: [(component: any TrainingStateful, tensors: [String: StoredTensor], metadata: [String: String])] = []
        do {
            for (prefix, component) in components {
                let head = prefix + "/"
                var tensors: [String: StoredTensor] = [:]
                for (name, tensor) in file.tensors where name.hasPrefix(head) { tensors[String(name.dropFirst(head.count))] = tensor }
                var metadata: [String: String] = [:]
                for (key, value) in file.metadata where key.hasPrefix(head) { metadata[String(key.dropFirst(head.count))] = value }
                guard !metadata.isEmpty else {
                    throw TensorError.stateMismatch("the checkpoint holds no state under '\(prefix)/'")
                }
                let previous = (component, Dictionary(uniqueKeysWithValues: component.stateTensors().map { ($0.name, $0.tensor) }),
                                component.stateMetadata())
                try component.loadState(tensors: tensors, metadata: metadata)
                loaded.append(previous)
            }
        } catch {
            for (component, tensors, metadata) in loaded.reversed() { try? component.loadState(tensors: tensors, metadata: metadata) }
            throw error
        }
    }

    /// Reads `url` and loads the components' state from it (see `restore(_:from:)`); returns the file so the
    /// caller can read the other tensors it holds.
    @discardableResult
    public static func restore(_ components: [(prefix: String, component: any TrainingStateful)], from url: URL) throws -> SafeTensorsFile {
        let file = try SafeTensorsFile(contentsOf: url)
        try restore(components, from: file)
        return file
    }
}
