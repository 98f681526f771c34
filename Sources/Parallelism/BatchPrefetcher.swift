import Foundation

/// Prepares batch i + 1 on a background thread while batch i trains (the training loops' second core).
///
/// Contract: `make(i)` depends only on i (training batches depend only on (seed, i)), so what the prefetcher
/// returns is exactly what a direct call would, whichever thread made it; a resumed run sees the same batches.
public final class BatchPrefetcher<Batch>: @unchecked Sendable {
    private let make: @Sendable (Int) throws -> Batch
    /// Batches from this index on are never prepared ahead (the run ends before them).
    private let limit: Int
    private let queue = DispatchQueue(label: "wildir.prefetch")
    private var pending: (iteration: Int, group: DispatchGroup, box: Box)?

    private final class Box: @unchecked Sendable { var value: Result<Batch, Error>? }

    /// - Parameters:
    ///   - limit: the first batch index never prepared ahead.
    ///   - make: builds batch i; called on the prefetch thread (or the caller's, for a batch not prepared ahead).
    public init(limit: Int = .max, _ make: @escaping @Sendable (Int) throws -> Batch) {
        self.limit = limit
        self.make = make
    }

    /// Batch `iteration` (waiting for it when it was prefetched), then starts making `iteration + 1`.
    public func batch(_ iteration: Int) throws -> Batch {
        let current: Result<Batch, Error>
        if let pending, pending.iteration == iteration {
            pending.group.wait()
            current = pending.box.value ?? Result { try make(iteration) }
        } else {
            current = Result { try make(iteration) }
        }
        let next = iteration + 1
        guard next < limit else { pending = nil; return try current.get() }
        let group = DispatchGroup(), box = Box(), work = make
        queue.async(group: group) { box.value = Result { try work(next) } }
        pending = (next, group, box)
        return try current.get()
    }
}
