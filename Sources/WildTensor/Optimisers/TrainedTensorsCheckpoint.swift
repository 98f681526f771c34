import Checkpoints
import Foundation

/// The resumable checkpoint of a run that trains some of a network's tensors while the rest stays frozen (the
/// DA-CLIP controller, SSP-IR's priors): the trained tensors under their names, the optimiser's and schedule's states
/// under their prefixes (``TrainingState``), and metadata: the iteration count, the run's records, and values that
/// must match for a resume (such as a fingerprint of the frozen weights, ``parameterFingerprint(_:)``). One file,
/// written atomically; read back all or nothing.
public enum TrainedTensorsCheckpoint {
    /// The metadata key of the iteration count.
    public static let iterationKey = "wildir.iteration"

    /// Why a checkpoint does not fit the run that reads it.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes `trained`, the components' states and `metadata` (with the iteration count) to `url` atomically.
    public static func write(_ trained: [(name: String, tensor: Tensor)], components: [(prefix: String, component: any TrainingStateful)],
                             iteration: Int, metadata: [String: String], to url: URL) throws {
        let tensors = try trained.map { name, tensor in (name, try StoredTensor(shape: tensor.shape, float32: tensor.values)) }
        try TrainingState.write(components, tensors: tensors, metadata: metadata.merging([iterationKey: String(iteration)]) { $1 }, to: url)
    }

    /// Reads the checkpoint at `url` into `trained` and `components`, after checking that every `required` metadata
    /// value matches (else the refusal says `mismatch`), that it holds exactly the trained tensors with their shapes,
    /// and that each component takes its state; nothing changes unless everything fits.
    /// - Returns: the iteration count and the file's metadata (the run's records).
    /// - Throws: ``Refusal`` or the reader's error.
    public static func restore(_ trained: [(name: String, tensor: Tensor)], components: [(prefix: String, component: any TrainingStateful)],
                               from url: URL, required: [String: String], mismatch: String) throws -> (iteration: Int, metadata: [String: String]) {
        let file = try SafeTensorsFile(contentsOf: url)
        guard required.allSatisfy({ file.metadata[$0.key] == $0.value }) else { throw Refusal(description: mismatch) }
        guard let done = file.metadata[iterationKey].flatMap(Int.init), done >= 0 else { throw Refusal(description: "it has no iteration count") }
        let weights = file.tensors.filter { !$0.key.contains("/") }
        let expected = Set(trained.map(\.name))
        guard Set(weights.keys) == expected else {
            throw Refusal(description: "it holds other trained tensors than this run: "
                          + Array(Set(weights.keys).symmetricDifference(expected)).sorted().prefix(6).joined(separator: ", "))
        }
        var values: [(Tensor, [Float])] = []
        for (name, tensor) in trained {
            guard let stored = weights[name], stored.shape == tensor.shape else {
                throw Refusal(description: "'\(name)' has shape \(weights[name]?.shape ?? []), expected \(tensor.shape)")
            }
            values.append((tensor, stored.floatValues()))
        }
        try TrainingState.restore(components, from: file)
        for (tensor, stored) in values { tensor.withUnsafeMutableBufferPointer { _ = $0.update(from: stored) } }
        return (done, file.metadata)
    }
}
