// PNG read/write through libpng with C-side error handling.
//
// Why hand-written C: libpng reports every error by longjmp() out of its callbacks. A longjmp must never cross
// Swift frames, so the setjmp() that catches it has to live in C. This file is that boundary and nothing more:
// pixel conversion and all policy stay in Swift (Sources/Imaging/Codecs/PNGCodec.swift).
#ifndef WILDIR_PNG_SUPPORT_H
#define WILDIR_PNG_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;   // after expansion: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int bitDepth;   // 8 or 16 after expansion
} WIRPNGInfo;

/// Reads the header only. Returns 0 on success, otherwise writes a message to `error`.
int wir_png_read_info(const uint8_t *data, size_t size, WIRPNGInfo *info, char *error, size_t errorSize);

/// Decodes the whole image into `*pixels` (interleaved rows; 16-bit samples in host byte order), expanding palette,
/// low bit depths and tRNS. Refuses images with more than `maxPixels` pixels before allocating.
/// Returns 0 on success (free `*pixels` with wir_png_free), 1 on a decode error, 2 when the image is too large.
int wir_png_decode(const uint8_t *data, size_t size, uint64_t maxPixels, WIRPNGInfo *info, void **pixels,
                   char *error, size_t errorSize);

/// Encodes interleaved rows (16-bit samples in host byte order) at zlib `level` 0…9. Returns 0 on success
/// (free `*output` with wir_png_free).
int wir_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bitDepth, int level,
                   uint8_t **output, size_t *outputSize, char *error, size_t errorSize);

void wir_png_free(void *pointer);

#endif
