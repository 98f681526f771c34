/// What can go wrong in the SSP-IR parts: inputs of the wrong shape, weights that do not fit, token rows the
/// chunked text encoding cannot take.
public enum SSPIRError: Error, CustomStringConvertible, Equatable {
    /// A configuration value that cannot be built (`field` names it).
    case invalidConfiguration(field: String, reason: String)
    /// A tensor whose shape the module cannot take; `name` says which input.
    case invalidShape(name: String, shape: [Int], expected: String)
    /// No key of a state dict starts with the prefix the module's weights live under.
    case noWeights(prefix: String)
    /// A weights file or folder that cannot be read as the module (missing, unexpected or misshapen keys, no such
    /// file).
    case invalidWeights(file: String, reason: String)
    /// Token ids the chunked text encoding cannot take (an empty batch, rows of different lengths, …).
    case invalidTokens(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason):
            return "invalid SSP-IR configuration: \(field) \(reason)"
        case let .invalidShape(name, shape, expected):
            return "SSP-IR: \(name) has shape \(shape), expected \(expected)"
        case let .noWeights(prefix):
            return "SSP-IR: no weight of the state dict starts with \"\(prefix)\"; pass the prefix the file uses (\"\" for none)"
        case let .invalidWeights(file, reason):
            return "SSP-IR: \(file) does not hold the expected weights: \(reason)"
        case let .invalidTokens(why):
            return "SSP-IR text tokens: \(why)"
        }
    }
}
