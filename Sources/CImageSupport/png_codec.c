#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cimagesupport.h"

typedef struct {
    jmp_buf jmp;
    char *msg;
    size_t len;
} png_fail;

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} mem_reader;

typedef struct {
    uint8_t *bytes;
    size_t size;
    size_t cap;
} mem_writer;

static void on_error(png_structp png, png_const_charp msg) {
    png_fail *f = (png_fail *)png_get_error_ptr(png);
    snprintf(f->msg, f->len, "%s", msg);
    longjmp(f->jmp, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void read_mem(png_structp png, png_bytep out, size_t n) {
    mem_reader *r = (mem_reader *)png_get_io_ptr(png);
    if (n > r->size - r->pos) {
        png_error(png, "file is truncated");
    }
    memcpy(out, r->data + r->pos, n);
    r->pos += n;
}

static void write_mem(png_structp png, png_bytep data, size_t n) {
    mem_writer *w = (mem_writer *)png_get_io_ptr(png);
    if (w->size + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->size + n) cap *= 2;
        uint8_t *grown = realloc(w->bytes, cap);
        if (!grown) png_error(png, "out of memory");
        w->bytes = grown;
        w->cap = cap;
    }
    memcpy(w->bytes + w->size, data, n);
    w->size += n;
}

static void flush_mem(png_structp png) { (void)png; }

static uint32_t be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Samples per pixel after the expansions in cis_png_decode, from IHDR's colour type. A palette
   counts 3 (tRNS makes it 4, which the check after png_read_update_info catches); an invalid
   type counts 1 and is refused by libpng. */
static int ihdr_channels(uint8_t color_type) {
    switch (color_type) {
        case PNG_COLOR_TYPE_GRAY: return 1;
        case PNG_COLOR_TYPE_RGB: case PNG_COLOR_TYPE_PALETTE: return 3;
        case PNG_COLOR_TYPE_GRAY_ALPHA: case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
        default: return 1;
    }
}

/* Fills `out` with a declaration over the sample limit, for the caller's message. */
static int over_memory(cis_decoded *out, uint32_t w, uint32_t h, int channels) {
    out->pixels = NULL;
    out->width = (int)w;
    out->height = (int)h;
    out->channels = channels;
    return CIS_ERR_MEMORY;
}

int cis_png_decode(const uint8_t *data, size_t size, size_t max_samples,
                   cis_decoded *out, char *err, size_t errlen) {
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size < 8 || memcmp(data, signature, 8) != 0) {
        snprintf(err, errlen, "not a PNG file (bad signature)");
        return CIS_ERR_CORRUPT;
    }
    /* Look at IHDR ourselves first so an absurd size is refused even when the
       rest of the file is missing or broken. */
    if (size >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t w = be32(data + 16), h = be32(data + 20);
        if (w > CIS_MAX_SIDE || h > CIS_MAX_SIDE) {
            snprintf(err, errlen, "image declares %ux%u px; sides above %d px are refused", w, h, CIS_MAX_SIDE);
            return CIS_ERR_LIMIT;
        }
        int channels = size >= 26 ? ihdr_channels(data[25]) : 1;
        if ((uint64_t)w * h * (uint64_t)channels > max_samples) {
            snprintf(err, errlen, "image declares %ux%ux%d samples", w, h, channels);
            return over_memory(out, w, h, channels);
        }
    }

    png_fail fail;
    fail.msg = err;
    fail.len = errlen;
    mem_reader reader = {data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &fail, on_error, on_warning);
    if (!png) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    if (setjmp(fail.jmp)) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    png_set_read_fn(png, &reader, read_mem);
    png_set_user_limits(png, CIS_MAX_SIDE, CIS_MAX_SIDE);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int depth = png_get_bit_depth(png, info);
    int type = png_get_color_type(png, info);

    /* Same pixel values PIL produces: palette expanded (with alpha when tRNS is
       present), low-bit grey scaled to 0..255, 16-bit colour reduced to the high
       byte. 16-bit grey is PIL mode I;16, whose conversion to L/RGB clips at 255
       (it does not scale), so we keep 16 bits and clip below. */
    int clip16 = type == PNG_COLOR_TYPE_GRAY && depth == 16;
    if (type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    }
    if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16 && !clip16) png_set_strip_16(png);
    /* Image has no grey+alpha layout: widen it to RGBA. */
    if (type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels != 1 && channels != 3 && channels != 4) png_error(png, "unsupported PNG channel layout");
    if (rowbytes != (size_t)width * (size_t)channels * (clip16 ? 2 : 1)) png_error(png, "unexpected PNG row layout");
    if ((uint64_t)width * height * (uint64_t)channels > max_samples) {
        snprintf(err, errlen, "image declares %ux%ux%d samples", (unsigned)width, (unsigned)height, channels);
        png_destroy_read_struct(&png, &info, NULL);
        return over_memory(out, width, height, channels);
    }
    pixels = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    if (clip16) {
        /* Compact big-endian 16-bit samples in place; index i never passes 2i. */
        size_t n = (size_t)width * height;
        for (size_t i = 0; i < n; i++) pixels[i] = pixels[2 * i] ? 255 : pixels[2 * i + 1];
    }

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->pixels = pixels;
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    return 0;
}

int cis_png_encode(const uint8_t *pixels, int width, int height, int channels,
                   cis_buffer *out, char *err, size_t errlen) {
    int type;
    switch (channels) {
        case 1: type = PNG_COLOR_TYPE_GRAY; break;
        case 3: type = PNG_COLOR_TYPE_RGB; break;
        case 4: type = PNG_COLOR_TYPE_RGB_ALPHA; break;
        default:
            snprintf(err, errlen, "PNG encoder takes 1, 3 or 4 channels, not %d", channels);
            return CIS_ERR_UNSUPPORTED;
    }
    if (width < 1 || height < 1 || width > CIS_MAX_SIDE || height > CIS_MAX_SIDE) {
        snprintf(err, errlen, "cannot encode a %dx%d image", width, height);
        return 1;
    }
    png_fail fail;
    fail.msg = err;
    fail.len = errlen;
    mem_writer *writer = calloc(1, sizeof(mem_writer));
    png_bytep *volatile rows = NULL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &fail, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!writer || !png || !info) {
        png_destroy_write_struct(&png, &info);
        free(writer);
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    if (setjmp(fail.jmp)) {
        free(rows);
        free(writer->bytes);
        free(writer);
        png_destroy_write_struct(&png, &info);
        return 1;
    }
    png_set_write_fn(png, writer, write_mem, flush_mem);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    png_write_image(png, rows);
    png_write_end(png, info);
    free(rows);
    png_destroy_write_struct(&png, &info);
    out->bytes = writer->bytes;
    out->size = writer->size;
    free(writer);
    return 0;
}
