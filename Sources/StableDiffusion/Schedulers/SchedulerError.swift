/// Why a scheduler or the sampling loop cannot go on: settings out of range, a timestep the schedule does not have,
/// tensors of the wrong shape, or a cancelled run.
public enum SchedulerError: Error, CustomStringConvertible, Equatable {
    /// A configuration value that cannot be used (`field` is its diffusers name).
    case invalidConfiguration(field: String, reason: String)
    /// A timestep outside the training range or not in the inference schedule.
    case invalidTimestep(Int, reason: String)
    /// A tensor whose shape does not fit (`name` says which).
    case invalidShape(name: String, shape: [Int], expected: String)
    /// A DDPM step at t > 0 was given no noise.
    case noiseRequired(timestep: Int)
    /// The caller's cancellation check answered yes; the run stopped before the step at `timestep`.
    case cancelled(timestep: Int)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "invalid scheduler configuration: \(field) \(reason)"
        case let .invalidTimestep(t, reason): return "timestep \(t): \(reason)"
        case let .invalidShape(name, shape, expected): return "\(name) has shape \(shape), expected \(expected)"
        case let .noiseRequired(t): return "the DDPM step at timestep \(t) adds noise, but none was given"
        case let .cancelled(t): return "sampling cancelled before timestep \(t)"
        }
    }
}
