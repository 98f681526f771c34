import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the OpenMP team (oneDNN's and the engine's parallel loops) waits between parallel regions.
///
/// libgomp's default lets an idle thread spin for up to ~300,000 iterations before it sleeps. On a quiet machine that
/// saves a wake-up per region; on a busy one (a training run beside a restore, a build, other users) the spinning
/// thread burns the time slice its partner needs to reach the same barrier, and a restore ran 2–4× slower than its
/// share of the cores predicts (`Benchmarks/README.md`, "Busy machines"). Passive waiting costs ~3 % on an idle
/// machine. libgomp reads `OMP_WAIT_POLICY` once, when the program is loaded, so the only way to choose it from
/// inside is to start the program again with the variable set; a user's own `OMP_WAIT_POLICY` or `GOMP_SPINCOUNT`
/// is always respected.
enum OpenMPWaitPolicy {
    /// Re-executes the program with `OMP_WAIT_POLICY=passive` when neither variable is set (Linux only). Returns
    /// without doing anything otherwise, or when the program cannot be started again (it then runs with libgomp's
    /// default, which is only slower).
    static func passiveUnlessChosen() {
        #if os(Linux)
        guard getenv("OMP_WAIT_POLICY") == nil, getenv("GOMP_SPINCOUNT") == nil else { return }
        guard setenv("OMP_WAIT_POLICY", "passive", 1) == 0 else { return }
        // Same arguments, same open files, same process id; only the environment differs.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }
}
