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


// 2^x in eight lanes for x ≤ 0 (the numerators of a softmax whose scores were scaled by log2 e): x = k + f with k
// the nearest integer (by the 1.5·2^23 rounding constant, which also leaves k + 127 in the low bits, ready to become
// the exponent field) and 2^f from a degree-6 polynomial fitted for relative error on [−½, ½] (≤ 1.1e-7 in float
// arithmetic, against 2^f in float64). x is clamped at −126, the smallest normal exponent; NaN stays NaN.
__attribute__((target("avx2,fma")))
static inline __m256 exp2_nonpositive8(__m256 x) {
    x = _mm256_max_ps(_mm256_set1_ps(-126.0f), x);
    const __m256 shifted = _mm256_add_ps(x, _mm256_set1_ps(12582912.0f + 127.0f));
    const __m256 f = _mm256_sub_ps(x, _mm256_sub_ps(shifted, _mm256_set1_ps(12582912.0f + 127.0f)));
    __m256 p = _mm256_set1_ps(1.5353361959569156e-4f);
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.3398875016719103e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(9.61843691766262e-3f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(5.5503323674201965e-2f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(0.24022647738456726f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(0.6931471824645996f));
    p = _mm256_fmadd_ps(p, f, _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(shifted), 23)));
}

// Fused attention for one head and a panel of 16 queries (FlashAttention's online softmax, Dao et al. 2022, on a
// CPU's caches): the keys are taken in chunks whose scores stay in the level-1 cache; each chunk's scores are
// exponentiated against the running per-query maximum and multiplied into the running result, which is rescaled
// whenever the maximum grows. Layout: the panel's queries are packed transposed and pre-scaled (qt[c·16 + r]),
// scores are key-major (s[j·16 + r], the panel's 16 queries side by side in two vectors), so that both products are
// outer-product updates of 2 × 8 lanes and the softmax's maxima and sums are lane-wise; the result is accumulated
// transposed (ot[c·16 + r]). Keys and values are read where the caller keeps them; copying them into contiguous rows
// first (per head) lets the hardware prefetcher stream them (1.4× faster measured at 4,096 keys of width 40).
// Why by hand: OpenBLAS and oneDNN offer the two products and the softmax only as separate calls, between which the
// scores make a round trip through memory, and a head width of 40 makes q·kᵀ too thin for their packed kernels
// (the OpenBLAS path took about 445 ms where this takes about 320 at 4,096 tokens, 8 heads of width 40, batch 2).
enum { PANEL = WIR_ATTENTION_PANEL, KEY_TILE = 6, VALUE_TILE = 6, KEY_CHUNK = 240 };

ptrdiff_t wir_avx2_attention_scratch(int width) {
    return KEY_CHUNK * PANEL + 2 * (ptrdiff_t)width * PANEL;
}

// The outer-product update both products are made of: for each of `steps` steps i, a[t] += b[i·bStep + t·bLane] ·
// (the 16 lanes at rows + i·16), t < `count` (≤ 6). 12 accumulators; per step two loads and one broadcast per t.
__attribute__((target("avx2,fma"), always_inline))
static inline void accumulate_outer(__m256 a[][2], const float *rows, ptrdiff_t steps, const float *b, ptrdiff_t bStep,
                                    ptrdiff_t bLane, const int count) {
    for (ptrdiff_t i = 0; i < steps; i++) {
        const __m256 r0 = _mm256_loadu_ps(rows + i * PANEL), r1 = _mm256_loadu_ps(rows + i * PANEL + 8);
        for (int t = 0; t < count; t++) {
            const __m256 x = _mm256_broadcast_ss(b + i * bStep + t * bLane);
            a[t][0] = _mm256_fmadd_ps(x, r0, a[t][0]);
            a[t][1] = _mm256_fmadd_ps(x, r1, a[t][1]);
        }
    }
}

// Scores of `count` (≤ KEY_TILE) consecutive keys against the panel (steps over the channels, one broadcast per
// key). Updates the per-query maxima.
__attribute__((target("avx2,fma"), always_inline))
static inline void score_tile(const float *qt, int width, const float *k, ptrdiff_t kStride, const int count,
                              float *s, __m256 *max0, __m256 *max1) {
    __m256 a[KEY_TILE][2];
    for (int t = 0; t < count; t++) a[t][0] = a[t][1] = _mm256_setzero_ps();
    accumulate_outer(a, qt, width, k, 1, kStride, count);
    for (int t = 0; t < count; t++) {
        _mm256_storeu_ps(s + t * PANEL, a[t][0]);
        _mm256_storeu_ps(s + t * PANEL + 8, a[t][1]);
        // a[t] second: a NaN score becomes the maximum, so it reaches every numerator of its query.
        *max0 = _mm256_max_ps(*max0, a[t][0]);
        *max1 = _mm256_max_ps(*max1, a[t][1]);
    }
}

// ot rows c < `count` (≤ VALUE_TILE) ← (ot · rescale, or 0 when `start`) + Σ_j p[j]·v[j][c] over `keys` keys (steps
// over the keys, one broadcast per channel).
__attribute__((target("avx2,fma"), always_inline))
static inline void value_tile(const float *p, ptrdiff_t keys, const float *v, ptrdiff_t vStride, const int count,
                              float *ot, int start, __m256 rescale0, __m256 rescale1) {
    __m256 a[VALUE_TILE][2];
    for (int t = 0; t < count; t++) {
        a[t][0] = start ? _mm256_setzero_ps() : _mm256_mul_ps(rescale0, _mm256_loadu_ps(ot + t * PANEL));
        a[t][1] = start ? _mm256_setzero_ps() : _mm256_mul_ps(rescale1, _mm256_loadu_ps(ot + t * PANEL + 8));
    }
    accumulate_outer(a, p, keys, v, vStride, 1, count);
    for (int t = 0; t < count; t++) {
        _mm256_storeu_ps(ot + t * PANEL, a[t][0]);
        _mm256_storeu_ps(ot + t * PANEL + 8, a[t][1]);
    }
}

// The scores of `keys` (≤ KEY_CHUNK) keys, tile by tile; the tail with constant tile sizes so that each is unrolled
// into registers like the full one.
__attribute__((target("avx2,fma"), always_inline))
static inline void score_chunk(const float *qt, int width, const float *k, ptrdiff_t kStride, ptrdiff_t keys,
                               float *s, __m256 *max0, __m256 *max1) {
    ptrdiff_t j = 0;
    for (; j + KEY_TILE <= keys; j += KEY_TILE) score_tile(qt, width, k + j * kStride, kStride, KEY_TILE, s + j * PANEL, max0, max1);
    const float *kt = k + j * kStride;
    float *st = s + j * PANEL;
    switch (keys - j) {
        case 5: score_tile(qt, width, kt, kStride, 5, st, max0, max1); break;
        case 4: score_tile(qt, width, kt, kStride, 4, st, max0, max1); break;
        case 3: score_tile(qt, width, kt, kStride, 3, st, max0, max1); break;
        case 2: score_tile(qt, width, kt, kStride, 2, st, max0, max1); break;
        case 1: score_tile(qt, width, kt, kStride, 1, st, max0, max1); break;
        default: break;
    }
}

__attribute__((target("avx2,fma")))
void wir_avx2_attention_panel(const float *q, ptrdiff_t qStride, int rows, const float *k, ptrdiff_t kStride,
                              const float *v, ptrdiff_t vStride, ptrdiff_t keys, int width, float scale,
                              float *out, ptrdiff_t outStride, float *scratch) {
    const float log2Scale = scale * 1.44269504088896341f;  // scores in powers of 2: e^(a·s) = 2^(a·log2 e·s)
    float *s = scratch, *qt = s + KEY_CHUNK * PANEL, *ot = qt + (ptrdiff_t)width * PANEL, sums[PANEL];
    for (int c = 0; c < width; c++)  // absent queries score 0 against every key: finite, and never written out
        for (int r = 0; r < PANEL; r++) qt[c * PANEL + r] = r < rows ? log2Scale * q[r * qStride + c] : 0;

    __m256 max0 = _mm256_set1_ps(-__builtin_inff()), max1 = max0;
    __m256 sum0 = _mm256_setzero_ps(), sum1 = sum0;
    for (ptrdiff_t j0 = 0; j0 < keys; j0 += KEY_CHUNK) {
        const ptrdiff_t n = keys - j0 < KEY_CHUNK ? keys - j0 : KEY_CHUNK;
        const int start = j0 == 0;
        __m256 new0 = max0, new1 = max1;
        score_chunk(qt, width, k + j0 * kStride, kStride, n, s, &new0, &new1);
        // 2^(old maximum − new one) rescales what the earlier chunks summed (1 while the maximum stays).
        const __m256 rescale0 = start ? _mm256_setzero_ps() : exp2_nonpositive8(_mm256_sub_ps(max0, new0));
        const __m256 rescale1 = start ? _mm256_setzero_ps() : exp2_nonpositive8(_mm256_sub_ps(max1, new1));
        max0 = new0; max1 = new1;
        __m256 chunk0 = _mm256_setzero_ps(), chunk1 = chunk0;
        for (ptrdiff_t j = 0; j < n; j++) {
            const __m256 e0 = exp2_nonpositive8(_mm256_sub_ps(_mm256_loadu_ps(s + j * PANEL), max0));
            const __m256 e1 = exp2_nonpositive8(_mm256_sub_ps(_mm256_loadu_ps(s + j * PANEL + 8), max1));
            _mm256_storeu_ps(s + j * PANEL, e0);
            _mm256_storeu_ps(s + j * PANEL + 8, e1);
            chunk0 = _mm256_add_ps(chunk0, e0);
            chunk1 = _mm256_add_ps(chunk1, e1);
        }
        sum0 = _mm256_fmadd_ps(sum0, rescale0, chunk0);
        sum1 = _mm256_fmadd_ps(sum1, rescale1, chunk1);
        const float *vc = v + j0 * vStride;
        int c = 0;
        for (; c + VALUE_TILE <= width; c += VALUE_TILE)
            value_tile(s, n, vc + c, vStride, VALUE_TILE, ot + c * PANEL, start, rescale0, rescale1);
        switch (width - c) {
            case 5: value_tile(s, n, vc + c, vStride, 5, ot + c * PANEL, start, rescale0, rescale1); break;
            case 4: value_tile(s, n, vc + c, vStride, 4, ot + c * PANEL, start, rescale0, rescale1); break;
            case 3: value_tile(s, n, vc + c, vStride, 3, ot + c * PANEL, start, rescale0, rescale1); break;
            case 2: value_tile(s, n, vc + c, vStride, 2, ot + c * PANEL, start, rescale0, rescale1); break;
            case 1: value_tile(s, n, vc + c, vStride, 1, ot + c * PANEL, start, rescale0, rescale1); break;
            default: break;
        }
    }
    _mm256_storeu_ps(sums, sum0);
    _mm256_storeu_ps(sums + 8, sum1);
    for (int r = 0; r < rows; r++) {
        const float inverse = 1 / sums[r];
        for (int c = 0; c < width; c++) out[r * outStride + c] = ot[c * PANEL + r] * inverse;
    }
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

ptrdiff_t wir_avx2_attention_scratch(int width) { (void)width; return 0; }

void wir_avx2_attention_panel(const float *q, ptrdiff_t qStride, int rows, const float *k, ptrdiff_t kStride,
                              const float *v, ptrdiff_t vStride, ptrdiff_t keys, int width, float scale,
                              float *out, ptrdiff_t outStride, float *scratch) {
    (void)q; (void)qStride; (void)rows; (void)k; (void)kStride; (void)v; (void)vStride; (void)keys; (void)width;
    (void)scale; (void)out; (void)outStride; (void)scratch;
}

#endif
