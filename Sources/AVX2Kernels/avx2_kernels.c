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

// e^x in eight lanes, the algorithm of WildTensor's `FastMath.exp` (clamp to [−87.34, 88.38], x = k·ln 2 + r with
// ln 2 in two parts, e^r from its degree-7 Taylor polynomial, 2^k from the exponent bits) with fused multiply-adds.
__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 x) {
    // max/min return their second operand when either is NaN: x second keeps a NaN (and the result) NaN.
    x = _mm256_min_ps(_mm256_set1_ps(88.37626f), _mm256_max_ps(_mm256_set1_ps(-87.33654f), x));
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    const __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504f), magic);
    const __m256 k = _mm256_sub_ps(shifted, magic);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428606765330187e-6f), r);
    __m256 p = _mm256_set1_ps(1.0f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    const __m256i bits = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_sub_epi32(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x4B400000)), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

__attribute__((target("avx2,fma")))
float wir_avx2_softmax_numerators(float *row, ptrdiff_t count) {
    const ptrdiff_t lanes = count / 8 * 8;
    float largest = -__builtin_inff();
    if (lanes > 0) {
        __m256 m = _mm256_set1_ps(-__builtin_inff());
        for (ptrdiff_t j = 0; j < lanes; j += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(row + j));
        float lane[8];
        _mm256_storeu_ps(lane, m);
        for (int i = 0; i < 8; i++) largest = lane[i] > largest ? lane[i] : largest;
    }
    for (ptrdiff_t j = lanes; j < count; j++) largest = row[j] > largest ? row[j] : largest;
    const __m256 top = _mm256_set1_ps(largest);
    __m256 total = _mm256_setzero_ps();
    for (ptrdiff_t j = 0; j < lanes; j += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), top));
        _mm256_storeu_ps(row + j, e);
        total = _mm256_add_ps(total, e);
    }
    float lane[8], sum = 0;
    _mm256_storeu_ps(lane, total);
    for (int i = 0; i < 8; i++) sum += lane[i];
    if (lanes < count) {  // the last values, through the same lanes
        float rest[8];
        for (int i = 0; i < 8; i++) rest[i] = lanes + i < count ? row[lanes + i] - largest : -__builtin_inff();
        _mm256_storeu_ps(rest, exp8(_mm256_loadu_ps(rest)));
        for (ptrdiff_t j = lanes; j < count; j++) { row[j] = rest[j - lanes]; sum += row[j]; }
    }
    return sum;
}

#else

int wir_avx2_available(void) { return 0; }

void wir_avx2_correlate(const float *padded, ptrdiff_t pw, const float *taps, int kh, int kw, float *out,
                        ptrdiff_t w, ptrdiff_t y0, ptrdiff_t y1) {
    (void)padded; (void)pw; (void)taps; (void)kh; (void)kw; (void)out; (void)w; (void)y0; (void)y1;
}

float wir_avx2_softmax_numerators(float *row, ptrdiff_t count) {
    (void)row; (void)count;
    return 0;
}

#endif
