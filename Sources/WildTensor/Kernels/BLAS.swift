import CBLAS
import Parallelism

/// Row-major single-precision GEMM through OpenBLAS: `C = alpha·op(A)·op(B) + beta·C`.
///
/// OpenBLAS runs single-threaded here; large products are split by rows of C over the engine's OpenMP team
/// (`EngineParallel`) instead, so that OpenBLAS's own spinning worker threads never compete with oneDNN's and
/// the engine's for the same cores.
enum BLAS {
    /// Makes OpenBLAS single-threaded, once (read it before calling OpenBLAS).
    static let configured: Void = { openblas_set_num_threads(1) }()

    /// Products below this many multiply-adds stay on one thread.
    static let parallelWork = 1 << 18

    /// - Parameters: `m×k` times `k×n` after the optional transpositions; leading dimensions are the stored row lengths.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = configured
        let minimumRows = m * n * k < parallelWork ? max(m, 1) : 1
        let pa = UncheckedSendableBox(a), pb = UncheckedSendableBox(b), pc = UncheckedSendableBox(c)
        EngineParallel.chunks(m, minimumPerChunk: minimumRows) { rows in
            // Row i of op(A) starts at a + i·lda, or at column i (a + i) when A is stored transposed.
            let aStart = pa.value + (transA ? rows.lowerBound : rows.lowerBound * lda)
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        blasint(rows.count), blasint(n), blasint(k), alpha, aStart, blasint(lda), pb.value, blasint(ldb),
                        beta, pc.value + rows.lowerBound * ldc, blasint(ldc))
        }
    }
}
