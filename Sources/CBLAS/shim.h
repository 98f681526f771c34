// System-library shim: declarations only, no logic.
#include <cblas.h>

// LAPACK's divide-and-conquer symmetric eigensolver, which OpenBLAS exports (Fortran calling convention, 32-bit
// integers; the two trailing lengths are gfortran's hidden lengths of the character arguments). Declared here because
// Debian ships no LAPACK header with OpenBLAS. Used by Metrics' SymmetricEigensystem (NIQE, FID).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
             const int *lwork, int *iwork, const int *liwork, int *info, unsigned long jobzLength,
             unsigned long uploLength);

// LAPACK's divide-and-conquer singular value decomposition (same conventions). Used by Metrics' SingularValues (FID).
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s, double *u, const int *ldu,
             double *vt, const int *ldvt, double *work, const int *lwork, int *iwork, int *info, unsigned long jobzLength);
