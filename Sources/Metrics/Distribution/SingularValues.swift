import CBLAS

/// The singular values (descending) of a real matrix, by LAPACK's `dgesdd` from OpenBLAS, in Double: each to about
/// ε·σ₁ absolutely, where eigenvalues of AAᵀ would give the small ones only to √ε·σ₁.
enum SingularValues {
    /// The singular values of the `rows × columns` row-major `matrix`.
    /// - Throws: ``MetricsError/undefined(_:)`` when LAPACK fails.
    static func of(_ matrix: [Double], rows: Int, columns: Int) throws -> [Double] {
        precondition(matrix.count == rows * columns, "SingularValues: \(matrix.count) values for \(rows)×\(columns)")
        // Row-major rows × columns is column-major columns × rows, its transpose: the same singular values. U and Vᵀ
        // are not computed (jobz "N"); LAPACK still wants valid pointers for them.
        var a = matrix, m = Int32(columns), n = Int32(rows), lda = Int32(max(1, columns)), one: Int32 = 1, info: Int32 = 0
        var s = [Double](repeating: 0, count: min(rows, columns)), u = [0.0], vt = [0.0]
        var iwork = [Int32](repeating: 0, count: 8 * max(1, min(rows, columns)))
        var lwork: Int32 = -1, query = 0.0
        dgesdd_("N", &m, &n, &a, &lda, &s, &u, &one, &vt, &one, &query, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw MetricsError.undefined("LAPACK dgesdd workspace query failed (info \(info))") }
        lwork = Int32(query.rounded(.up))
        var work = [Double](repeating: 0, count: max(1, Int(lwork)))
        dgesdd_("N", &m, &n, &a, &lda, &s, &u, &one, &vt, &one, &work, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw MetricsError.undefined("the singular value decomposition did not converge (LAPACK dgesdd info \(info))") }
        return s
    }
}
