/// Why an SSP-IR training run could not start or continue. Messages name the options file, key path, folder or
/// checkpoint concerned and say what to change.
public enum SSPIRTrainingError: Error, CustomStringConvertible, Equatable {
    /// An option that is out of range or inconsistent with another (`file`, then the key path and reason).
    case invalidOptions(String, String)
    /// Training or validation data that cannot be read or used.
    case data(String)
    /// The networks cannot be built or loaded.
    case model(String)
    /// The experiment folder's checkpoint cannot be written, read, or does not belong to these options.
    case checkpoint(String)

    public var description: String {
        switch self {
        case let .invalidOptions(file, why): return "\(file): \(why)"
        case let .data(why): return "SSP-IR training data: \(why)"
        case let .model(why): return "SSP-IR model: \(why)"
        case let .checkpoint(why): return "SSP-IR checkpoint: \(why)"
        }
    }
}
