// See include/winograd_transforms.h for the transforms and why they are C.
#include "winograd_transforms.h"

#include "avx2_kernels.h"
#include "winograd_shared.h"

void wir_winograd_filter(const float *weight, ptrdiff_t count, ptrdiff_t inputs, ptrdiff_t outputs, float *u) {
    const ptrdiff_t plane = outputs * inputs;
    for (ptrdiff_t k = 0; k < count; k++) {
        for (ptrdiff_t c = 0; c < inputs; c++) {
            const float *g = weight + (k * inputs + c) * 9;
            float t[4][3];  // G g: rows g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2
            for (int j = 0; j < 3; j++) {
                t[0][j] = g[j];
                t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
                t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
                t[3][j] = g[6 + j];
            }
            float *o = u + k * inputs + c;
            for (int i = 0; i < 4; i++) {  // (G g) Gᵀ, the same combination of columns
                o[(4 * i + 0) * plane] = t[i][0];
                o[(4 * i + 1) * plane] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                o[(4 * i + 2) * plane] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                o[(4 * i + 3) * plane] = t[i][2];
            }
        }
    }
}

// The input transform's body; built twice below, for the x86-64 baseline and for AVX2 + FMA, and chosen at run time.
static inline __attribute__((always_inline)) void input_body(const float *plane, ptrdiff_t height, ptrdiff_t width,
                                                             ptrdiff_t top, ptrdiff_t left, ptrdiff_t tiles,
                                                             float *restrict v, ptrdiff_t stride, float *restrict scratch) {
    // Each of the four rows split into its even and odd columns from `left` on (tiles + 1 of each, zero outside the
    // plane), so that the loop over tiles reads every operand with unit stride.
    const ptrdiff_t n = tiles + 1;
    for (int i = 0; i < 4; i++) {
        float *restrict even = scratch + 2 * i * n, *restrict odd = even + n;
        const ptrdiff_t y = top + i;
        if (y < 0 || y >= height) {
            for (ptrdiff_t t = 0; t < n; t++) { even[t] = 0; odd[t] = 0; }
            continue;
        }
        const float *restrict row = plane + y * width;
        if (left >= 0 && left + 2 * n <= width) {
            for (ptrdiff_t t = 0; t < n; t++) { even[t] = row[left + 2 * t]; odd[t] = row[left + 2 * t + 1]; }
        } else {
            for (ptrdiff_t t = 0; t < n; t++) {
                const ptrdiff_t x = left + 2 * t;
                even[t] = x >= 0 && x < width ? row[x] : 0;
                odd[t] = x + 1 >= 0 && x + 1 < width ? row[x + 1] : 0;
            }
        }
    }
    const float *restrict e0 = scratch, *restrict o0 = e0 + n, *restrict e1 = o0 + n, *restrict o1 = e1 + n;
    const float *restrict e2 = o1 + n, *restrict o2 = e2 + n, *restrict e3 = o2 + n, *restrict o3 = e3 + n;
    float *restrict v0 = v, *restrict v1 = v + stride, *restrict v2 = v + 2 * stride, *restrict v3 = v + 3 * stride;
    float *restrict v4 = v + 4 * stride, *restrict v5 = v + 5 * stride, *restrict v6 = v + 6 * stride;
    float *restrict v7 = v + 7 * stride, *restrict v8 = v + 8 * stride, *restrict v9 = v + 9 * stride;
    float *restrict v10 = v + 10 * stride, *restrict v11 = v + 11 * stride, *restrict v12 = v + 12 * stride;
    float *restrict v13 = v + 13 * stride, *restrict v14 = v + 14 * stride, *restrict v15 = v + 15 * stride;
    for (ptrdiff_t t = 0; t < tiles; t++) {
        // d B, row by row: (d0 − d2, d1 + d2, d2 − d1, d1 − d3)
        const float h00 = e0[t] - e0[t + 1], h01 = o0[t] + e0[t + 1], h02 = e0[t + 1] - o0[t], h03 = o0[t] - o0[t + 1];
        const float h10 = e1[t] - e1[t + 1], h11 = o1[t] + e1[t + 1], h12 = e1[t + 1] - o1[t], h13 = o1[t] - o1[t + 1];
        const float h20 = e2[t] - e2[t + 1], h21 = o2[t] + e2[t + 1], h22 = e2[t + 1] - o2[t], h23 = o2[t] - o2[t + 1];
        const float h30 = e3[t] - e3[t + 1], h31 = o3[t] + e3[t + 1], h32 = e3[t + 1] - o3[t], h33 = o3[t] - o3[t + 1];
        // Bᵀ (d B), the same combination of rows
        v0[t] = h00 - h20; v1[t] = h01 - h21; v2[t] = h02 - h22; v3[t] = h03 - h23;
        v4[t] = h10 + h20; v5[t] = h11 + h21; v6[t] = h12 + h22; v7[t] = h13 + h23;
        v8[t] = h20 - h10; v9[t] = h21 - h11; v10[t] = h22 - h12; v11[t] = h23 - h13;
        v12[t] = h10 - h30; v13[t] = h11 - h31; v14[t] = h12 - h32; v15[t] = h13 - h33;
    }
}

static void input_portable(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                           ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch) {
    input_body(plane, height, width, top, left, tiles, v, stride, scratch);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void input_avx2(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                       ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch) {
    input_body(plane, height, width, top, left, tiles, v, stride, scratch);
}
#endif

int wir_winograd_use_avx2(void) {
    static int answer = -1;
    int known = __atomic_load_n(&answer, __ATOMIC_RELAXED);
    if (known < 0) {
        known = wir_avx2_available();
        __atomic_store_n(&answer, known, __ATOMIC_RELAXED);
    }
    return known;
}

void wir_winograd_input(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                        ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch) {
#if defined(__x86_64__)
    if (wir_winograd_use_avx2()) { input_avx2(plane, height, width, top, left, tiles, v, stride, scratch); return; }
#endif
    input_portable(plane, height, width, top, left, tiles, v, stride, scratch);
}

// The output transform's body; built for the baseline and for AVX2 + FMA like the input transform's.
static inline __attribute__((always_inline)) void output_body(const float *restrict m, ptrdiff_t stride, ptrdiff_t tiles,
                                                              float bias, int rectify, float slope, float *restrict out,
                                                              ptrdiff_t width, int rows, ptrdiff_t columns,
                                                              float *restrict scratch) {
    float *restrict y00 = scratch, *restrict y01 = scratch + tiles;
    float *restrict y10 = scratch + 2 * tiles, *restrict y11 = scratch + 3 * tiles;
    const float *restrict m0 = m, *restrict m1 = m + stride, *restrict m2 = m + 2 * stride, *restrict m3 = m + 3 * stride;
    const float *restrict m4 = m + 4 * stride, *restrict m5 = m + 5 * stride, *restrict m6 = m + 6 * stride;
    const float *restrict m7 = m + 7 * stride, *restrict m8 = m + 8 * stride, *restrict m9 = m + 9 * stride;
    const float *restrict m10 = m + 10 * stride, *restrict m11 = m + 11 * stride, *restrict m12 = m + 12 * stride;
    const float *restrict m13 = m + 13 * stride, *restrict m14 = m + 14 * stride, *restrict m15 = m + 15 * stride;
    for (ptrdiff_t t = 0; t < tiles; t++) {
        // Aᵀ M: rows m0 + m1 + m2 and m1 − m2 − m3 (of the 4×4 M, row i holding elements 4i … 4i + 3)
        const float s00 = m0[t] + m4[t] + m8[t], s01 = m1[t] + m5[t] + m9[t];
        const float s02 = m2[t] + m6[t] + m10[t], s03 = m3[t] + m7[t] + m11[t];
        const float s10 = m4[t] - m8[t] - m12[t], s11 = m5[t] - m9[t] - m13[t];
        const float s12 = m6[t] - m10[t] - m14[t], s13 = m7[t] - m11[t] - m15[t];
        // (Aᵀ M) A, the same combination of columns
        y00[t] = wir_winograd_rectified(s00 + s01 + s02 + bias, rectify, slope);
        y01[t] = wir_winograd_rectified(s01 - s02 - s03 + bias, rectify, slope);
        y10[t] = wir_winograd_rectified(s10 + s11 + s12 + bias, rectify, slope);
        y11[t] = wir_winograd_rectified(s11 - s12 - s13 + bias, rectify, slope);
    }
    const ptrdiff_t pairs = columns / 2 < tiles ? columns / 2 : tiles;  // tiles whose two columns are both kept
    const int lastHalf = pairs < tiles && 2 * pairs < columns;          // a last tile with only its first column kept
    for (int r = 0; r < rows; r++) {
        const float *restrict a = r == 0 ? y00 : y10, *restrict b = r == 0 ? y01 : y11;
        float *restrict o = out + r * width;
        for (ptrdiff_t t = 0; t < pairs; t++) { o[2 * t] = a[t]; o[2 * t + 1] = b[t]; }
        if (lastHalf) o[2 * pairs] = a[pairs];
    }
}

static void output_portable(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                            float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch) {
    output_body(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void output_avx2(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                        float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch) {
    output_body(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
}
#endif

void wir_winograd_output(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                         float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch) {
#if defined(__x86_64__)
    if (wir_winograd_use_avx2()) { output_avx2(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch); return; }
#endif
    output_portable(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
}
