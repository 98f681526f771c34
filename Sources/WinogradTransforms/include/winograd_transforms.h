// The three transforms of Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", CVPR 2016, §4.1): Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for a 4×4 input tile d, a 3×3
// filter g and a 2×2 output tile Y. WildTensor's `WinogradConvolution` runs the element-wise products as 16 matrix
// products (OpenBLAS) between these transforms.
//
// Why hand-written: oneDNN, which runs every other convolution here, has Winograd kernels only for AVX-512 CPUs,
// and no other library this project links does a Winograd convolution. These are plain loops over caller-owned
// memory, written in C so the compiler vectorises them without Swift's overflow checks; the tests compare the
// whole convolution with oneDNN's direct one.
#ifndef WILDIR_WINOGRAD_TRANSFORMS_H
#define WILDIR_WINOGRAD_TRANSFORMS_H

#include <stddef.h>

/// Filter transform U = G g Gᵀ of `count` filters of `weight` ([count][inputs][3][3], PyTorch's OIHW) into `u`,
/// laid out [16][outputs][inputs] from the first filter's row: element ξ = 4·i + j of U for filter k and input c at
/// u[(ξ·outputs + k)·inputs + c] (`outputs` ≥ `count`, so that callers can split the filters between threads).
void wir_winograd_filter(const float *weight, ptrdiff_t count, ptrdiff_t inputs, ptrdiff_t outputs, float *u);

/// Input transform V = Bᵀ d B of one row of `tiles` tiles of one input plane ([height][width]). Tile t reads rows
/// top … top + 3 and columns left + 2t … left + 2t + 3, zero outside the plane (the convolution's padding). Element
/// ξ of tile t goes to v[ξ·stride + t]. `scratch` holds 8·(tiles + 1) floats.
void wir_winograd_input(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                        ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch);

/// Output transform Y = Aᵀ M A of one row of `tiles` tiles of one output channel, element ξ of tile t read at
/// m[ξ·stride + t], plus `bias`, then max(y, 0) + slope·min(y, 0) when `rectify` is 1 (ReLU for slope 0, leaky
/// ReLU otherwise). Tile t writes columns 2t, 2t + 1 of `rows` (1 or 2) output rows that start at `out`, `width`
/// floats apart, keeping only the first `columns` columns. `scratch` holds 4·tiles floats.
void wir_winograd_output(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                         float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch);

// The same three transforms for F(4×4, 3×3) (Lavin & Gray, §4.2, interpolation points 0, ±1, ±2 and ∞): a 6×6
// input tile, 36 element-wise products for a 4×4 output tile, 2.25 multiplications per output and input–output
// channel pair instead of F(2×2, 3×3)'s 4 and direct convolution's 9. The transforms' larger coefficients (up to 8
// in Aᵀ, 1/24 in G) make its rounding error about ten times F(2×2, 3×3)'s; `WinogradConvolution` uses it only for
// filters prepared for it.

/// Filter transform U = G g Gᵀ (6×6) of `count` filters, laid out [36][outputs][inputs] as `wir_winograd_filter`
/// lays out its 16.
void wir_winograd43_filter(const float *weight, ptrdiff_t count, ptrdiff_t inputs, ptrdiff_t outputs, float *u);

/// Input transform V = Bᵀ d B of one row of `tiles` 6×6 tiles of one input plane: tile t reads rows top … top + 5
/// and columns left + 4t … left + 4t + 5, zero outside the plane; element ξ = 6·i + j of tile t goes to
/// v[ξ·stride + t]. `scratch` holds 4·(tiles + 1) + 36·tiles floats.
void wir_winograd43_input(const float *plane, ptrdiff_t height, ptrdiff_t width, ptrdiff_t top, ptrdiff_t left,
                          ptrdiff_t tiles, float *v, ptrdiff_t stride, float *scratch);

/// Output transform Y = Aᵀ M A (4×4) of one row of `tiles` tiles of one output channel, with bias and activation as
/// in `wir_winograd_output`. Tile t writes columns 4t … 4t + 3 of `rows` (1 … 4) output rows, keeping only the first
/// `columns` columns. `scratch` holds 16·tiles floats.
void wir_winograd43_output(const float *m, ptrdiff_t stride, ptrdiff_t tiles, float bias, int rectify, float slope,
                           float *out, ptrdiff_t width, int rows, ptrdiff_t columns, float *scratch);

#endif
