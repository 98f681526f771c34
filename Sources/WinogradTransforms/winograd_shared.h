// Shared by the F(2×2, 3×3) and F(4×4, 3×3) transforms; not part of the module's interface.
#ifndef WILDIR_WINOGRAD_SHARED_H
#define WILDIR_WINOGRAD_SHARED_H

/// 1 when this CPU runs the AVX2 + FMA builds: AVX2Kernels' `wir_avx2_available`, asked once (racing first calls
/// store the same answer).
int wir_winograd_use_avx2(void);

/// The output transforms' activation: max(y, 0) + slope·min(y, 0) when `rectify` is 1, y otherwise.
static inline __attribute__((always_inline)) float wir_winograd_rectified(float y, int rectify, float slope) {
    return rectify && !(y > 0) ? y * slope : y;
}

#endif
