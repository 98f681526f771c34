import CGOMP
import Parallelism

/// Splits loops over the cores on the OpenMP thread team that oneDNN's primitives use.
///
/// Debian's oneDNN runs on libgomp, whose workers spin for a while after each primitive. Loops dispatched to a
/// second pool (Dispatch) then compete with those spinning workers for the same two cores, which measured as half
/// the U-Net's time spent in libgomp's spin loop. Running WildTensor's own loops on the same team removes the
/// contention: whichever kind of work comes next, the team's threads are the ones doing it.
enum EngineParallel {
    /// The team size (`OMP_NUM_THREADS`, else the number of cores; `WILDIR_THREADS` caps it).
    static let threadCount: Int = min(Int(omp_get_max_threads()), ParallelConfiguration.threadCount)

    /// Runs `body` over `0..<count` in up to `threadCount` contiguous chunks (one per thread), or inline when
    /// the work is smaller than `minimumPerChunk` per chunk or when already inside a parallel region.
    @inline(__always)
    static func chunks(_ count: Int, minimumPerChunk: Int = 16, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = max(1, min(threadCount, count / max(1, minimumPerChunk)))
        if chunks == 1 || omp_in_parallel() != 0 { body(0..<count); return }
        withoutActuallyEscaping(body) { escapable in
            var job = Job(count: count, chunks: chunks, body: escapable)
            withUnsafeMutablePointer(to: &job) { pointer in
                // GOMP_parallel returns after every thread of the team has run `fn`, so `job` outlives them all.
                GOMP_parallel({ raw in
                    guard let job = raw?.assumingMemoryBound(to: Job.self).pointee else { return }
                    let thread = Int(omp_get_thread_num()), team = Int(omp_get_num_threads())
                    // The team may be smaller than asked for; each thread takes every team-th chunk.
                    var chunk = thread
                    while chunk < job.chunks {
                        job.body(job.count * chunk / job.chunks ..< job.count * (chunk + 1) / job.chunks)
                        chunk += team
                    }
                }, pointer, UInt32(chunks), 0)
            }
        }
    }

    private struct Job {
        let count: Int
        let chunks: Int
        let body: (Range<Int>) -> Void
    }
}
