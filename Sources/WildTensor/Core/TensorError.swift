/// Errors the engine reports for things a user controls: weight files, state dicts, shapes given at run time.
///
/// Shape mismatches between operands inside a model are programming errors and stop with a precondition
/// message naming the operation and both shapes; everything that comes from outside (checkpoints, images,
/// configurations) is validated at the boundary and reported with this type.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// `loadStateDict` found problems; each list names the keys (and shapes) concerned.
    case stateDictMismatch(missing: [String], unexpected: [String], wrongShape: [String])
    /// A shape is invalid for the requested use.
    case invalidShape(String)
    /// The oneDNN library reported a failure.
    case backend(String)
    /// Saved optimiser or training state does not match the model it is loaded into.
    case stateMismatch(String)

    public var description: String {
        switch self {
        case let .stateDictMismatch(missing, unexpected, wrongShape):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys (\(missing.count)): " + Self.list(missing)) }
            if !unexpected.isEmpty { parts.append("unexpected keys (\(unexpected.count)): " + Self.list(unexpected)) }
            if !wrongShape.isEmpty { parts.append("shape mismatches (\(wrongShape.count)): " + Self.list(wrongShape)) }
            return "state dict does not match the model: " + parts.joined(separator: "; ")
        case let .invalidShape(why): return "invalid shape: \(why)"
        case let .backend(why): return "oneDNN failed: \(why)"
        case let .stateMismatch(why): return "saved state does not match: \(why)"
        }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", …"
    }
}
