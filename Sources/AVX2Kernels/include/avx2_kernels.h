// Hot inner loops of the degradation pipeline and the tensor engine, compiled for AVX2 + FMA and chosen at run time.
//
// Why hand-written C: Swift compiles a whole module for one instruction set, so a portable build runs its SIMD
// types on SSE2 (x86-64 baseline) and cannot hold fused multiply-adds. C can build one function for AVX2 + FMA
// (`__attribute__((target))`) beside the portable code and let the caller ask the CPU first. Everything here is
// a plain loop over caller-owned memory; the portable Swift implementations stay the reference and the fallback
// (tests compare the two).
#ifndef WILDIR_AVX2_KERNELS_H
#define WILDIR_AVX2_KERNELS_H

#include <stddef.h>

/// 1 when this CPU and OS run AVX2 and FMA code, 0 otherwise (always 0 off x86-64).
int wir_avx2_available(void);

/// 2-D correlation of one padded plane with a kh × kw kernel, output rows [y0, y1):
/// out[y·w + x] = Σ_{i < kh, j < kw} taps[i·kw + j] · padded[(y + i)·pw + x + j], for x < w (pw ≥ w + kw − 1).
/// Only call when wir_avx2_available() returned 1.
void wir_avx2_correlate(const float *padded, ptrdiff_t pw, const float *taps, int kh, int kw, float *out,
                        ptrdiff_t w, ptrdiff_t y0, ptrdiff_t y1);

/// Replaces each of `count` values of `row` by e^(value − the row's largest value) and returns their sum: the
/// numerators and denominator of the row's softmax (the exponential of WildTensor's `FastMath.exp`, eight lanes at
/// a time). Only call when wir_avx2_available() returned 1.
float wir_avx2_softmax_numerators(float *row, ptrdiff_t count);

/// Queries per call of `wir_avx2_attention_panel` (two vectors of eight lanes).
#define WIR_ATTENTION_PANEL 16

/// Floats of scratch that `wir_avx2_attention_panel` needs for keys and values of width `width` (any number of keys).
ptrdiff_t wir_avx2_attention_scratch(int width);

/// Scaled dot-product attention of one head for up to WIR_ATTENTION_PANEL queries, fused (scores, softmax and the product with the
/// values in one pass over cache-resident blocks; Vaswani et al. 2017, eq. 1): for each query r < `rows`,
/// out[r·outStride + c] = Σ_j softmax_j(scale · Σ_c' q[r·qStride + c']·k[j·kStride + c']) · v[j·vStride + c], c < `width`,
/// over the `keys` keys j. `scratch` holds `wir_avx2_attention_scratch(width)` floats (any alignment).
/// Only call when wir_avx2_available() returned 1.
void wir_avx2_attention_panel(const float *q, ptrdiff_t qStride, int rows, const float *k, ptrdiff_t kStride,
                              const float *v, ptrdiff_t vStride, ptrdiff_t keys, int width, float scale,
                              float *out, ptrdiff_t outStride, float *scratch);

#endif
