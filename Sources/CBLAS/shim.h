// System-library shim: declarations only, no logic.
#include <cblas.h>

// LAPACK's symmetric eigensolver, which OpenBLAS exports (Fortran calling convention, 32-bit integers; the two
// trailing lengths are gfortran's hidden lengths of the character arguments). Declared here because Debian ships
// no LAPACK header with OpenBLAS.
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
            const int *lwork, int *info, unsigned long jobzLength, unsigned long uploLength);
