/// A learning rate as a function of the number of scheduler steps taken, in closed form.
///
/// Schedules are values with no state of their own; `LearningRateScheduler` applies one to an optimiser and
/// counts the steps (PyTorch's `last_epoch`), so resuming needs only that count. Step 0 is the learning rate
/// before any scheduler step, used by the first optimiser step.
public protocol LearningRateSchedule: Sendable {
    /// The learning rate after `step` scheduler steps, for the base (initial) learning rate `base`.
    func learningRate(atStep step: Int, base: Double) -> Double
    /// The schedule and its settings as one line; saved with the scheduler's state and compared on load.
    var configuration: String { get }
}
