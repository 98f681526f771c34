/// Why the server could not start or run.
public enum ServerError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    /// The job database or the data folder could not be opened or written.
    case storage(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(why): return "invalid server setting: \(why)"
        case let .storage(why): return "job storage: \(why)"
        }
    }
}
