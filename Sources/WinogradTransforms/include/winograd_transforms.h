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

#endif
