import CDNNL
import CGOMP
import Foundation
import Parallelism

/// Processes independent items (the pairs of an evaluation, the images of a folder) concurrently, one worker per
/// core, each item single-threaded from start to end.
///
/// A small image leaves too little work in each layer to split it well over cores: a 256² AlexNet pass spends a
/// third of its time synchronising two threads. Giving each core whole items instead keeps both busy with no
/// synchronisation inside an item (LPIPS-Alex at 256², 2 cores: 31 pairs per second against 23 when every layer
/// was split; `Benchmarks/README.md`).
///
/// The workers are the OpenMP team oneDNN uses. Inside the team oneDNN's primitives run single-threaded, as do
/// ``EngineParallel`` and `parallelChunks` loops, and each worker executes on a oneDNN stream of its own.
public enum ConcurrentItems {
    /// Calls `body(i)` once for every `i` in `0..<count`, on up to `threadCount` workers that take the next item as
    /// they finish one. `body` must only write state of its own item (results go into per-item slots).
    ///
    /// Runs the items in order on the calling thread when there is one item or one core, or when already inside
    /// concurrent work. After an item throws no new item starts; the error of the lowest failing item is rethrown
    /// once every started item has finished, as a sequential loop would have thrown it.
    public static func forEach(_ count: Int, _ body: (Int) throws -> Void) throws {
        let workers = min(count, threadCount)
        if workers <= 1 || omp_in_parallel() != 0 || ParallelConfiguration.isSerial {
            for i in 0..<count { try body(i) }
            return
        }
        let context = try DNNL.context()
        try withoutActuallyEscaping(body) { escapable in
            let job = Job(count: count, body: escapable, context: context)
            withExtendedLifetime(job) {
                // GOMP_parallel returns after every thread of the team has run `fn`, so `job` outlives them all.
                GOMP_parallel({ raw in
                    guard let raw else { return }
                    Unmanaged<Job>.fromOpaque(raw).takeUnretainedValue().work()
                }, Unmanaged.passUnretained(job).toOpaque(), UInt32(workers), 0)
            }
            if let failure = job.failure { throw failure.error }
        }
    }

    /// `transform(i)` for every `i` in `0..<count`, in order, computed as ``forEach(_:_:)`` computes items.
    public static func map<T>(_ count: Int, _ transform: (Int) throws -> T) throws -> [T] {
        var slots = [T?](repeating: nil, count: count)
        try slots.withUnsafeMutableBufferPointer { slots in
            try forEach(count) { slots[$0] = try transform($0) }
        }
        return slots.compactMap { $0 }
    }

    /// Workers at most: the OpenMP team size (`OMP_NUM_THREADS`, else the cores; `WILDIR_THREADS` caps it).
    public static var threadCount: Int { EngineParallel.threadCount }

    /// The shared state of one `forEach`: the next item and the first failure, behind a lock (items are whole
    /// images, so the lock is taken a few times per image).
    private final class Job: @unchecked Sendable {
        let count: Int
        let body: (Int) throws -> Void
        let context: DNNL.Context
        private let lock = NSLock()
        private var next = 0
        private(set) var failure: (index: Int, error: Error)?

        init(count: Int, body: @escaping (Int) throws -> Void, context: DNNL.Context) {
            self.count = count
            self.body = body
            self.context = context
        }

        /// One worker: its own stream, then items until none are left or one has failed.
        func work() {
            let stream: dnnl_stream_t
            do { stream = try context.makeStream() } catch { record(-1, error); return }
            defer { dnnl_stream_destroy(stream) }
            DNNL.$workerStream.withValue(DNNL.WorkerStream(handle: stream)) {
                ParallelConfiguration.$isSerial.withValue(true) {
                    while let index = take() {
                        do { try body(index) } catch { record(index, error) }
                    }
                }
            }
        }

        private func take() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard failure == nil, next < count else { return nil }
            next += 1
            return next - 1
        }

        private func record(_ index: Int, _ error: Error) {
            lock.lock()
            defer { lock.unlock() }
            if failure.map({ index < $0.index }) ?? true { failure = (index, error) }
        }
    }
}
