/// Whether operations record themselves for backpropagation (PyTorch `torch.no_grad` semantics).
public enum GradMode {
    @TaskLocal static var isEnabled = true

    /// Whether recording is on in the current task.
    public static var enabled: Bool { isEnabled }
}

/// Runs `body` without recording any operation: intermediates are freed as soon as they are no longer
/// referenced, which is what inference wants.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false) { try body() }
}

/// Runs `body` with recording on (inside a `withNoGrad` region, for example).
public func withGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(true) { try body() }
}
