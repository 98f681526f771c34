// See include/png_support.h for why this file exists.
#include "png_support.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *message;
    size_t capacity;
} ErrorSink;

static void on_error(png_structp png, png_const_charp message) {
    ErrorSink *sink = (ErrorSink *)png_get_error_ptr(png);
    if (sink && sink->message && sink->capacity) snprintf(sink->message, sink->capacity, "%s", message);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  // benign (e.g. unknown ancillary chunks); errors still stop decoding
}

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
} ReadCursor;

static void read_bytes(png_structp png, png_bytep out, png_size_t count) {
    ReadCursor *cursor = (ReadCursor *)png_get_io_ptr(png);
    if (count > cursor->size - cursor->offset) png_error(png, "unexpected end of data (file truncated)");
    memcpy(out, cursor->data + cursor->offset, count);
    cursor->offset += count;
}

/// Sets up expansion so that rows come out as 8- or 16-bit gray / gray+alpha / RGB / RGBA.
static void configure_expansion(png_structp png, png_infop info) {
    int colorType = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);  // PNG is big-endian; hand Swift host order
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

static int begin_read(const uint8_t *data, size_t size, ErrorSink *sink, png_structp *png, png_infop *info) {
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        snprintf(sink->message, sink->capacity, "missing PNG signature");
        return 1;
    }
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, sink, on_error, on_warning);
    if (!*png) {
        snprintf(sink->message, sink->capacity, "out of memory");
        return 1;
    }
    *info = png_create_info_struct(*png);
    if (!*info) {
        png_destroy_read_struct(png, NULL, NULL);
        snprintf(sink->message, sink->capacity, "out of memory");
        return 1;
    }
    // Dimensions are policed by the caller's pixel limit; libpng's own default (1e6 per side) is lifted.
    png_set_user_limits(*png, 0x7fffffff, 0x7fffffff);
    return 0;
}

int wir_png_read_info(const uint8_t *data, size_t size, WIRPNGInfo *out, char *error, size_t errorSize) {
    ErrorSink sink = {error, errorSize};
    png_structp png = NULL;
    png_infop info = NULL;
    if (begin_read(data, size, &sink, &png, &info)) return 1;
    ReadCursor cursor = {data, size, 0};
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &cursor, read_bytes);
    png_read_info(png, info);
    configure_expansion(png, info);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->channels = png_get_channels(png, info);
    out->bitDepth = png_get_bit_depth(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

typedef struct {
    uint8_t *pixels;
    png_bytep *rows;
} DecodeBuffers;

int wir_png_decode(const uint8_t *data, size_t size, uint64_t maxPixels, WIRPNGInfo *out, void **pixels,
                   char *error, size_t errorSize) {
    ErrorSink sink = {error, errorSize};
    png_structp png = NULL;
    png_infop info = NULL;
    *pixels = NULL;
    if (begin_read(data, size, &sink, &png, &info)) return 1;
    ReadCursor cursor = {data, size, 0};
    DecodeBuffers buffers = {NULL, NULL};
    DecodeBuffers *volatile held = &buffers;
    if (setjmp(png_jmpbuf(png))) {
        free(held->pixels);
        free(held->rows);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &cursor, read_bytes);
    png_read_info(png, info);
    configure_expansion(png, info);
    uint32_t width = png_get_image_width(png, info);
    uint32_t height = png_get_image_height(png, info);
    out->width = width;
    out->height = height;
    out->channels = png_get_channels(png, info);
    out->bitDepth = png_get_bit_depth(png, info);
    if (width == 0 || height == 0) png_error(png, "zero image size");
    if ((uint64_t)width * (uint64_t)height > maxPixels) {
        png_destroy_read_struct(&png, &info, NULL);
        return 2;
    }
    size_t rowBytes = png_get_rowbytes(png, info);
    buffers.pixels = (uint8_t *)malloc(rowBytes * (size_t)height);
    buffers.rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!buffers.pixels || !buffers.rows) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) buffers.rows[y] = buffers.pixels + rowBytes * y;
    png_read_image(png, buffers.rows);
    png_read_end(png, NULL);
    free(buffers.rows);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = buffers.pixels;
    return 0;
}

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} WriteBuffer;

static void write_bytes(png_structp png, png_bytep bytes, png_size_t count) {
    WriteBuffer *buffer = (WriteBuffer *)png_get_io_ptr(png);
    if (buffer->size + count > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 65536;
        while (capacity < buffer->size + count) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(buffer->data, capacity);
        if (!grown) png_error(png, "out of memory");
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, count);
    buffer->size += count;
}

static void flush_nothing(png_structp png) { (void)png; }

int wir_png_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bitDepth, int level,
                   uint8_t **output, size_t *outputSize, char *error, size_t errorSize) {
    static const int colorTypes[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                      PNG_COLOR_TYPE_RGB_ALPHA};
    ErrorSink sink = {error, errorSize};
    *output = NULL;
    *outputSize = 0;
    if (channels < 1 || channels > 4 || (bitDepth != 8 && bitDepth != 16)) {
        snprintf(error, errorSize, "unsupported layout: %d channel(s), %d bit", channels, bitDepth);
        return 1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (!png) return 1;
    png_infop info = png_create_info_struct(png);
    WriteBuffer buffer = {NULL, 0, 0};
    WriteBuffer *volatile held = &buffer;
    if (!info || setjmp(png_jmpbuf(png))) {
        free(held->data);
        png_destroy_write_struct(&png, &info);
        return 1;
    }
    png_set_write_fn(png, &buffer, write_bytes, flush_nothing);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, width, height, bitDepth, colorTypes[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bitDepth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) png_set_swap(png);
    }
    size_t rowBytes = (size_t)width * (size_t)channels * (size_t)(bitDepth / 8);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)pixels + rowBytes * y);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *output = buffer.data;
    *outputSize = buffer.size;
    return 0;
}

void wir_png_free(void *pointer) { free(pointer); }
