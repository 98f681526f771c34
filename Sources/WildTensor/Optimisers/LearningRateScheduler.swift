import Checkpoints

/// Drives an optimiser's learning rate from a `LearningRateSchedule` (the role of PyTorch's
/// `torch.optim.lr_scheduler.LRScheduler`).
///
/// Creating the scheduler records the optimiser's learning rate as the base and sets it to the schedule's value
/// at step 0; each `step()` (call it after `optimiser.step()`, as in PyTorch) advances the count and sets the
/// learning rate for the next optimiser step.
public final class LearningRateScheduler: TrainingStateful {
    /// The optimiser whose learning rate this scheduler sets.
    public let optimiser: any Optimiser
    /// The schedule followed.
    public let schedule: any LearningRateSchedule
    /// The learning rate the optimiser had when the scheduler was created (PyTorch `base_lrs[0]`).
    public private(set) var baseLearningRate: Double
    /// Scheduler steps taken (PyTorch `last_epoch`).
    public private(set) var stepCount: Int

    public init(optimiser: any Optimiser, schedule: any LearningRateSchedule) {
        self.optimiser = optimiser
        self.schedule = schedule
        self.baseLearningRate = optimiser.learningRate
        self.stepCount = 0
        optimiser.learningRate = schedule.learningRate(atStep: 0, base: baseLearningRate)
    }

    /// The learning rate for the current step count (PyTorch `get_last_lr()[0]`).
    public var learningRate: Double { schedule.learningRate(atStep: stepCount, base: baseLearningRate) }

    /// Advances one step and sets the optimiser's learning rate.
    public func step() {
        stepCount += 1
        optimiser.learningRate = learningRate
    }

    // MARK: State

    private static let typeName = "LearningRateScheduler"

    /// No tensors: the state is the step count and base learning rate (metadata).
    public func stateTensors() -> [(name: String, tensor: StoredTensor)] { [] }

    /// `type`, `step`, `base_lr` (restored on load) and `schedule` (the configuration, checked on load).
    public func stateMetadata() -> [String: String] {
        ["type": Self.typeName, "step": "\(stepCount)", "base_lr": StateCoding.text(baseLearningRate),
         "schedule": schedule.configuration]
    }

    /// Restores the step count and base learning rate and sets the optimiser's learning rate accordingly.
    ///
    /// - Throws: `TensorError.stateMismatch` if the saved schedule differs from this one, or an entry is missing.
    public func loadState(tensors: [String: StoredTensor], metadata: [String: String]) throws {
        try StateCoding.checkConfiguration(Self.typeName, metadata: metadata, type: Self.typeName,
                                           configuration: ["schedule": schedule.configuration])
        guard tensors.isEmpty else {
            throw TensorError.stateMismatch("\(Self.typeName): unexpected tensors " + StateCoding.list(tensors.keys.sorted()))
        }
        let step = try StateCoding.integer(Self.typeName, metadata, "step")
        let base = try StateCoding.double(Self.typeName, metadata, "base_lr")
        stepCount = step
        baseLearningRate = base
        optimiser.learningRate = learningRate
    }
}
