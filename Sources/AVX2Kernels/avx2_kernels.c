// See include/avx2_kernels.h for why these loops are C.
#include "avx2_kernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>

int wir_avx2_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// Sums for `rows` (1 or 2) output rows of 32 columns (four vectors of 8) starting at column x: each padded input row is
// loaded once per tap column and multiplied into every output row it contributes to, so two rows share loads.
__attribute__((target("avx2,fma")))
static inline void block(const float *padded, ptrdiff_t pw, const float *taps, int kh, int kw, float *out,
                         ptrdiff_t w, ptrdiff_t y, ptrdiff_t x, int rows) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    for (int i = 0; i < kh + rows - 1; i++) {
        const float *row = padded + (y + i) * pw + x;
        const int top = i < kh;                  // input row i feeds output row y with kernel row i
        const int bottom = rows == 2 && i >= 1;  // and output row y + 1 with kernel row i − 1
        for (int j = 0; j < kw; j++) {
            const __m256 v0 = _mm256_loadu_ps(row + j), v1 = _mm256_loadu_ps(row + j + 8);
            const __m256 v2 = _mm256_loadu_ps(row + j + 16), v3 = _mm256_loadu_ps(row + j + 24);
            if (top) {
                const __m256 t = _mm256_broadcast_ss(taps + i * kw + j);
                a0 = _mm256_fmadd_ps(t, v0, a0); a1 = _mm256_fmadd_ps(t, v1, a1);
                a2 = _mm256_fmadd_ps(t, v2, a2); a3 = _mm256_fmadd_ps(t, v3, a3);
            }
            if (bottom) {
                const __m256 t = _mm256_broadcast_ss(taps + (i - 1) * kw + j);
                b0 = _mm256_fmadd_ps(t, v0, b0); b1 = _mm256_fmadd_ps(t, v1, b1);
                b2 = _mm256_fmadd_ps(t, v2, b2); b3 = _mm256_fmadd_ps(t, v3, b3);
            }
        }
    }
    float *o = out + y * w + x;
    _mm256_storeu_ps(o, a0); _mm256_storeu_ps(o + 8, a1); _mm256_storeu_ps(o + 16, a2); _mm256_storeu_ps(o + 24, a3);
    if (rows == 2) {
        o += w;
        _mm256_storeu_ps(o, b0); _mm256_storeu_ps(o + 8, b1); _mm256_storeu_ps(o + 16, b2); _mm256_storeu_ps(o + 24, b3);
    }
}

__attribute__((target("avx2,fma")))
void wir_avx2_correlate(const float *padded, ptrdiff_t pw, const float *taps, int kh, int kw, float *out,
                        ptrdiff_t w, ptrdiff_t y0, ptrdiff_t y1) {
    for (ptrdiff_t y = y0; y < y1; y += 2) {
        const int rows = y + 1 < y1 ? 2 : 1;
        ptrdiff_t x = 0;
        for (; x + 32 <= w; x += 32) block(padded, pw, taps, kh, kw, out, w, y, x, rows);
        // The last columns: one vector at a time, then single values.
        for (int r = 0; r < rows; r++) {
            ptrdiff_t xv = x;
            for (; xv + 8 <= w; xv += 8) {
                __m256 acc = _mm256_setzero_ps();
                for (int i = 0; i < kh; i++) {
                    const float *row = padded + (y + r + i) * pw + xv;
                    for (int j = 0; j < kw; j++)
                        acc = _mm256_fmadd_ps(_mm256_broadcast_ss(taps + i * kw + j), _mm256_loadu_ps(row + j), acc);
                }
                _mm256_storeu_ps(out + (y + r) * w + xv, acc);
            }
            for (; xv < w; xv++) {
                float acc = 0;
                for (int i = 0; i < kh; i++) {
                    const float *row = padded + (y + r + i) * pw + xv;
                    for (int j = 0; j < kw; j++) acc = __builtin_fmaf(taps[i * kw + j], row[j], acc);
                }
                out[(y + r) * w + xv] = acc;
            }
        }
    }
}

#else

int wir_avx2_available(void) { return 0; }

void wir_avx2_correlate(const float *padded, ptrdiff_t pw, const float *taps, int kh, int kw, float *out,
                        ptrdiff_t w, ptrdiff_t y0, ptrdiff_t y1) {
    (void)padded; (void)pw; (void)taps; (void)kh; (void)kw; (void)out; (void)w; (void)y0; (void)y1;
}

#endif
