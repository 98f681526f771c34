// System-library shim: declarations only, no logic.
// The GNU OpenMP runtime (libgomp, GCC Runtime Library Exception) that Debian's oneDNN already runs its
// primitives on. WildTensor runs its own loops on the same thread team so the two never compete for the cores
// (see WildTensor/Kernels/EngineParallel.swift). These are libgomp's stable entry points, declared here because
// <omp.h> belongs to the C compiler rather than to a package.
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);
int omp_in_parallel(void);
