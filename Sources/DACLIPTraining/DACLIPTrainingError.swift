/// Why a robust DA-CLIP training run could not start or continue. Messages name the options file, key path, folder
/// or checkpoint concerned and say what to change.
public enum DACLIPTrainingError: Error, CustomStringConvertible, Equatable {
    /// An option that is out of range or inconsistent with another (`file`, then the key path and reason).
    case invalidOptions(String, String)
    /// Training or validation data that cannot be read or used.
    case data(String)
    /// The model configuration, the pretrained OpenCLIP weights or the tokenizer cannot be used.
    case model(String)
    /// The experiment folder's checkpoint cannot be written, read, or does not belong to these options.
    case checkpoint(String)

    public var description: String {
        switch self {
        case let .invalidOptions(file, why): return "\(file): \(why)"
        case let .data(why): return "DA-CLIP training data: \(why)"
        case let .model(why): return "DA-CLIP model: \(why)"
        case let .checkpoint(why): return "DA-CLIP checkpoint: \(why)"
        }
    }
}
