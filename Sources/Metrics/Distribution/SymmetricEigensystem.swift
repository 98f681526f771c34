import CBLAS

/// Eigenvalues (ascending) and optionally eigenvectors of a real symmetric matrix, by LAPACK's divide-and-conquer
/// `dsyevd` from OpenBLAS, in Double.
struct SymmetricEigensystem {
    /// The eigenvalues, ascending.
    let values: [Double]
    /// The eigenvectors as the columns of an `n × n` column-major matrix (empty unless asked for): column k,
    /// `vectors[k·n ..< (k + 1)·n]`, belongs to `values[k]`.
    let vectors: [Double]

    /// The eigensystem of the `n × n` symmetric `matrix` (either storage order: only its upper triangle in
    /// column-major order, i.e. its lower triangle row-major, is read).
    /// - Throws: ``MetricsError/undefined(_:)`` when LAPACK fails (it reports non-convergence or bad input).
    init(_ matrix: [Double], dimension n: Int, vectors wanted: Bool) throws {
        precondition(matrix.count == n * n, "SymmetricEigensystem: \(matrix.count) values for \(n)×\(n)")
        var a = matrix, w = [Double](repeating: 0, count: n)
        var size = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0
        let job = wanted ? "V" : "N"
        var lwork: Int32 = -1, liwork: Int32 = -1, workQuery = 0.0, iworkQuery: Int32 = 0
        dsyevd_(job, "U", &size, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info, 1, 1)
        guard info == 0 else { throw MetricsError.undefined("LAPACK dsyevd workspace query failed (info \(info))") }
        lwork = Int32(workQuery.rounded(.up))
        liwork = max(1, iworkQuery)
        var work = [Double](repeating: 0, count: max(1, Int(lwork)))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(job, "U", &size, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else { throw MetricsError.undefined("the symmetric eigendecomposition did not converge (LAPACK dsyevd info \(info))") }
        values = w
        vectors = wanted ? a : []
    }
}
