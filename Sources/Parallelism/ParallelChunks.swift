import Dispatch

/// Splits `0..<count` into contiguous chunks and runs `body` on them concurrently (one chunk per core, or
/// fewer when the work is small). Used for row-parallel image kernels.
///
/// - Parameters:
///   - count: number of items (rows, planes, …).
///   - minimumPerChunk: do not split below this many items per chunk, so tiny images stay single-threaded.
///   - body: called with each chunk's range; must only write to disjoint memory for distinct ranges.
@inlinable
public func parallelChunks(_ count: Int, minimumPerChunk: Int = 16, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let cores = ParallelConfiguration.isSerial ? 1 : ParallelConfiguration.threadCount
    let chunks = max(1, min(cores, count / max(1, minimumPerChunk)))
    if chunks == 1 { body(0..<count); return }
    // `concurrentPerform` returns only after every iteration has finished, so the non-escaping `body` never
    // outlives this call; callers promise disjoint writes, which is what makes the unchecked box sound.
    withoutActuallyEscaping(body) { escapable in
        let box = UncheckedSendableBox(escapable)
        DispatchQueue.concurrentPerform(iterations: chunks) { i in
            box.value(count * i / chunks ..< count * (i + 1) / chunks)
        }
    }
}

/// Carries a value (typically a buffer pointer) into a `@Sendable` closure when the caller guarantees freedom
/// from data races by construction, as `parallelChunks` callers do by writing disjoint ranges.
public struct UncheckedSendableBox<Value>: @unchecked Sendable {
    /// The carried value.
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}

/// How many threads `parallelChunks` uses. Defaults to the number of active processors; set
/// `WILDIR_THREADS` in the environment to override (1 forces single-threaded execution).
public enum ParallelConfiguration {
    /// Threads used by `parallelChunks`: `WILDIR_THREADS` if set to a positive integer, else the online processors.
    public static let threadCount: Int = {
        if let text = getEnvironment("WILDIR_THREADS"), let n = Int(text), n > 0 { return n }
        return max(1, activeProcessorCount())
    }()

    /// True inside a worker that already has a core of its own (one of several items processed concurrently):
    /// `parallelChunks` then runs inline instead of spreading over cores the other workers are using.
    @TaskLocal public static var isSerial = false
}
