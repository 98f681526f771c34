// F(4×4, 3×3): see include/winograd_transforms.h for the transforms and why they are C. The matrices are Lavin &
// Gray's for the points 0, ±1, ±2, ∞:
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G  = [1/4 0 0; −1/6 −1/6 −1/6; −1/6 1/6 −1/6; 1/24 1/12 1/6; 1/24 −1/12 1/6; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
#include "winograd_transforms.h"

#include "winograd_shared.h"

void wir_winograd43_filter(const float *weight, ptrdiff_t count, ptrdiff_t inputs, ptrdiff_t outputs, float *u) {
    static const double G[6][3] = {
        {1.0 / 4, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1},
    };
    const ptrdiff_t plane = outputs * inputs;
    for (ptrdiff_t k = 0; k < count; k++) {
        for (ptrdiff_t c = 0; c < inputs; c++) {
            // In double and rounded once: the filters are transformed once per weight, and G's thirds and sixths
            // are not exact in float.
            const float *g = weight + (k * inputs + c) * 9;
            double t[6][3];  // G g
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 3; j++) t[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
            }
            float *o = u + k * inputs + c;
            for (int i = 0; i < 6; i++) {  // (G g) Gᵀ
                for (int j = 0; j < 6; j++) {
                    o[(6 * i + j) * plane] = (float)(t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2]);
                }
            }
        }
    }
}

// Row k of Bᵀ applied to six values d (a row or a column of an input tile); `k` is a constant where this is inlined.
static inline __attribute__((always_inline)) float bt_row(int k, const float d[6]) {
    switch (k) {
    case 0: return 4 * d[0] - 5 * d[2] + d[4];
    case 1: return d[3] + d[4] - 4 * (d[1] + d[2]);
    case 2: return d[4] - d[3] + 4 * (d[1] - d[2]);
    case 3: return d[4] - d[2] + 2 * (d[3] - d[1]);
    case 4: return d[4] - d[2] + 2 * (d[1] - d[3]);
    default: return 4 * d[1] - 5 * d[3] + d[5];
    }
}

// Row r of Aᵀ applied to six values a (a column of M, or a row of Aᵀ M); `r` is a constant where this is inlined.
static inline __attribute__((always_inline)) float at_row(int r, const float a[6]) {
    switch (r) {
    case 0: return a[0] + (a[1] + a[2]) + (a[3] + a[4]);
    case 1: return (a[1] - a[2]) + 2 * (a[3] - a[4]);
    case 2: return (a[1] + a[2]) + 4 * (a[3] + a[4]);
    default: return (a[1] - a[2]) + 8 * (a[3] - a[4]) + a[5];
    }
}

// The input transform's body; built twice below, for the x86-64 baseline and for AVX2 + FMA, and chosen at run time.
static inline __attribute__((always_inline)) void input_body(const float *plane, ptrdiff_t height, ptrdiff_t width,
                                                             ptrdiff_t top, ptrdiff_t left, ptrdiff_t tiles,
                                                             float *restrict v, ptrdiff_t stride, float *restrict scratch) {
    // Each of the six rows is split into its four column phases from `left` on (tiles + 1 of each, zero outside the
    // plane), so that tile t's six columns are p0[t], p1[t], p2[t], p3[t], p0[t + 1], p1[t + 1], read with unit
    // stride; its d B goes to h, [6 rows][6 columns][tiles].
    const ptrdiff_t n = tiles + 1;
    float *restrict p0 = scratch, *restrict p1 = p0 + n, *restrict p2 = p1 + n, *restrict p3 = p2 + n;
    float *restrict h = scratch + 4 * n;
    for (int i = 0; i < 6; i++) {
        float *restrict h0 = h + 6 * i * tiles, *restrict h1 = h0 + tiles, *restrict h2 = h1 + tiles;
        float *restrict h3 = h2 + tiles, *restrict h4 = h3 + tiles, *restrict h5 = h4 + tiles;
        const ptrdiff_t y = top + i;
        if (y < 0 || y >= height) {
            for (ptrdiff_t t = 0; t < 6 * tiles; t++) h0[t] = 0;
            continue;
        }
        const float *restrict row = plane + y * width;
        if (left >= 0 && left + 4 * n <= width) {
            for (ptrdiff_t t = 0; t < n; t++) {
                const float *restrict d = row + left + 4 * t;
                p0[t] = d[0]; p1[t] = d[1]; p2[t] = d[2]; p3[t] = d[3];
            }
        } else {
            for (ptrdiff_t t = 0; t < n; t++) {
                const ptrdiff_t x = left + 4 * t;
                p0[t] = x >= 0 && x < width ? row[x] : 0;
                p1[t] = x + 1 >= 0 && x + 1 < width ? row[x + 1] : 0;
                p2[t] = x + 2 >= 0 && x + 2 < width ? row[x + 2] : 0;
                p3[t] = x + 3 >= 0 && x + 3 < width ? row[x + 3] : 0;
            }
        }
        for (ptrdiff_t t = 0; t < tiles; t++) {  // the row times B, that is Bᵀ applied to the row's six values
            const float d[6] = {p0[t], p1[t], p2[t], p3[t], p0[t + 1], p1[t + 1]};
            h0[t] = bt_row(0, d); h1[t] = bt_row(1, d); h2[t] = bt_row(2, d);
            h3[t] = bt_row(3, d); h4[t] = bt_row(4, d); h5[t] = bt_row(5, d);
        }
    }
    for (int j = 0; j < 6; j++) {  // Bᵀ (d B), column by column
        const float *restrict e0 = h + j * tiles, *restrict e1 = e0 + 6 * tiles, *restrict e2 = e1 + 6 * tiles;
        const float *restrict e3 = e2 + 6 * tiles, *restrict e4 = e3 + 6 * tiles, *restrict e5 = e4 + 6 * tiles;
        float *restrict v0 = v + j * stride, *restrict v1 = v0 + 6 * stride, *restrict v2 = v1 + 6 * stride;
        float *restrict v3 = v2 + 6 * stride, *restrict v4 = v3 + 6 * stride, *restrict v5 = v4 + 6 * stride;
        for (ptrdiff_t t = 0; t < tiles; t++) {
            const float d[6] = {e0[t], e1[t], e2[t], e3[t], e4[t], e5[t]};
            v0[t] = bt_row(0, d); v1[t] = bt_row(1, d); v2[t] = bt_row(2, d);
            v3[t] = bt_row(3, d); v4[t] = bt_row(4, d); v5[t] = bt_row(5, d);
        }
    }
}

static void input_portable(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                           ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch) {
    input_body(plane, height, width, top, left, tiles, v, stride, scratch);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void input43_avx2(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                         ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch) {
    input_body(plane, height, width, top, left, tiles, v, stride, scratch);
}
#endif

void wir_winograd43_input(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                          ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch) {
#if defined(__x86_64__)
    if (wir_winograd_use_avx2()) { input43_avx2(plane, height, width, top, left, tiles, v, stride, scratch); return; }
#endif
    input_portable(plane, height, width, top, left, tiles, v, stride, scratch);
}

// Row r of Y = Aᵀ M A for every tile, into y0 … y3 (its four columns); `r` is a constant where this is inlined.
static inline __attribute__((always_inline)) void output_row(const float *restrict m, ptrdiff_t stride, ptrdiff_t tiles,
                                                             int r, float bias, int rectify, float slope,
                                                             float *restrict y0, float *restrict y1, float *restrict y2,
                                                             float *restrict y3) {
    for (ptrdiff_t t = 0; t < tiles; t++) {
        float s[6];  // row r of Aᵀ M
        for (int j = 0; j < 6; j++) {
            // Column j of M; at_row drops the loads its row does not use.
            const float column[6] = {m[j * stride + t], m[(6 + j) * stride + t], m[(12 + j) * stride + t],
                                     m[(18 + j) * stride + t], m[(24 + j) * stride + t], m[(30 + j) * stride + t]};
            s[j] = at_row(r, column);
        }
        // (Aᵀ M) A, the same combinations of columns
        y0[t] = wir_winograd_rectified(at_row(0, s) + bias, rectify, slope);
        y1[t] = wir_winograd_rectified(at_row(1, s) + bias, rectify, slope);
        y2[t] = wir_winograd_rectified(at_row(2, s) + bias, rectify, slope);
        y3[t] = wir_winograd_rectified(at_row(3, s) + bias, rectify, slope);
    }
}

// The output transform's body; built for the baseline and for AVX2 + FMA like the input transform's.
static inline __attribute__((always_inline)) void output_body(const float *restrict m, ptrdiff_t stride, ptrdiff_t tiles,
                                                              float bias, int rectify, float slope, float *restrict out,
                                                              ptrdiff_t width, int rows, ptrdiff_t columns,
                                                              float *restrict scratch) {
    float *restrict y = scratch;  // y[4 r + c] holds output (r, c) of every tile
    for (int r = 0; r < rows; r++) {
        float *restrict y0 = y + 4 * r * tiles, *restrict y1 = y0 + tiles, *restrict y2 = y1 + tiles, *restrict y3 = y2 + tiles;
        switch (r) {
        case 0: output_row(m, stride, tiles, 0, bias, rectify, slope, y0, y1, y2, y3); break;
        case 1: output_row(m, stride, tiles, 1, bias, rectify, slope, y0, y1, y2, y3); break;
        case 2: output_row(m, stride, tiles, 2, bias, rectify, slope, y0, y1, y2, y3); break;
        default: output_row(m, stride, tiles, 3, bias, rectify, slope, y0, y1, y2, y3); break;
        }
    }
    const ptrdiff_t whole = columns / 4 < tiles ? columns / 4 : tiles;  // tiles whose four columns are all kept
    const ptrdiff_t rest = whole < tiles ? columns - 4 * whole : 0;      // columns kept of the next tile (0 … 3)
    for (int r = 0; r < rows; r++) {
        const float *restrict y0 = y + 4 * r * tiles, *restrict y1 = y0 + tiles, *restrict y2 = y1 + tiles;
        const float *restrict y3 = y2 + tiles;
        float *restrict o = out + r * width;
        for (ptrdiff_t t = 0; t < whole; t++) { o[4 * t] = y0[t]; o[4 * t + 1] = y1[t]; o[4 * t + 2] = y2[t]; o[4 * t + 3] = y3[t]; }
        if (rest > 0) o[4 * whole] = y0[whole];
        if (rest > 1) o[4 * whole + 1] = y1[whole];
        if (rest > 2) o[4 * whole + 2] = y2[whole];
    }
}

static void output_portable(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                            float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch) {
    output_body(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void output43_avx2(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                          float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch) {
    output_body(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
}
#endif

void wir_winograd43_output(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                           float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch) {
#if defined(__x86_64__)
    if (wir_winograd_use_avx2()) {
        output43_avx2(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
        return;
    }
#endif
    output_portable(m, stride, tiles, bias, rectify, slope, out, width, rows, columns, scratch);
}
