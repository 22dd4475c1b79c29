#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "cimagesupport.h"

/* libjpeg's default error_exit prints and calls exit(); ours records the
   message and jumps back to the setjmp in the calling function. */
typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
    char *msg;
    size_t len;
} jpeg_fail;

static void on_error(j_common_ptr cinfo) {
    jpeg_fail *f = (jpeg_fail *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, buffer);
    snprintf(f->msg, f->len, "%s", buffer);
    longjmp(f->jmp, 1);
}

/* Warnings are ignored as PIL does, except running out of data: PIL refuses
   truncated JPEGs ("image file is truncated") and so do we. */
static void on_message(j_common_ptr cinfo, int level) {
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
}

static void install(jpeg_fail *f, char *err, size_t errlen) {
    jpeg_std_error(&f->pub);
    f->pub.error_exit = on_error;
    f->pub.emit_message = on_message;
    f->msg = err;
    f->len = errlen;
}

/* Heap-held: libjpeg writes into these between setjmp and longjmp, and
   automatic variables changed in that window are indeterminate after it. */
typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_fail fail;
    uint8_t *pixels;
} jpeg_decode_state;

static int decode_failed(jpeg_decode_state *s) {
    jpeg_destroy_decompress(&s->cinfo);
    free(s->pixels);
    free(s);
    return 1;
}

int cis_jpeg_decode(const uint8_t *data, size_t size, size_t max_samples,
                    cis_decoded *out, char *err, size_t errlen) {
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        snprintf(err, errlen, "not a JPEG file (bad signature)");
        return 1;
    }
    jpeg_decode_state *s = calloc(1, sizeof(jpeg_decode_state));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    struct jpeg_decompress_struct *cinfo = &s->cinfo;
    install(&s->fail, err, errlen);
    cinfo->err = &s->fail.pub;
    if (setjmp(s->fail.jmp)) return decode_failed(s);
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, data, (unsigned long)size);
    jpeg_read_header(cinfo, TRUE);

    if (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) {
        snprintf(err, errlen, "CMYK/YCCK JPEGs are not supported; convert the file to RGB first");
        decode_failed(s);
        return CIS_ERR_UNSUPPORTED;
    }
    cinfo->out_color_space = cinfo->jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    unsigned width = cinfo->image_width, height = cinfo->image_height;
    int channels = cinfo->out_color_space == JCS_GRAYSCALE ? 1 : 3;
    if (width > CIS_MAX_SIDE || height > CIS_MAX_SIDE) {
        snprintf(err, errlen, "image declares %ux%u px; sides above %d px are refused", width, height, CIS_MAX_SIDE);
        decode_failed(s);
        return CIS_ERR_LIMIT;
    }
    if ((uint64_t)width * height * (uint64_t)channels > max_samples) {
        snprintf(err, errlen, "image declares %ux%ux%d samples", width, height, channels);
        decode_failed(s);
        out->pixels = NULL;
        out->width = (int)width;
        out->height = (int)height;
        out->channels = channels;
        return CIS_ERR_MEMORY;
    }
    jpeg_start_decompress(cinfo);
    if ((int)cinfo->output_components != channels || cinfo->output_width != width || cinfo->output_height != height) {
        snprintf(err, errlen, "unexpected JPEG output layout");
        return decode_failed(s);
    }
    size_t stride = (size_t)width * channels;
    s->pixels = malloc(stride * height);
    if (!s->pixels) {
        snprintf(err, errlen, "out of memory");
        return decode_failed(s);
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = s->pixels + stride * cinfo->output_scanline;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_decompress(cinfo);
    jpeg_destroy_decompress(cinfo);
    out->pixels = s->pixels;
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    free(s);
    return 0;
}

/* Heap-held for the same reason; jpeg_mem_dest also moves `bytes` as it grows. */
typedef struct {
    struct jpeg_compress_struct cinfo;
    jpeg_fail fail;
    unsigned char *bytes;
    unsigned long size;
} jpeg_encode_state;

int cis_jpeg_encode(const uint8_t *pixels, int width, int height, int channels,
                    int quality, cis_buffer *out, char *err, size_t errlen) {
    if (channels != 1 && channels != 3) {
        snprintf(err, errlen, "JPEG encoder takes 1 or 3 channels, not %d", channels);
        return CIS_ERR_UNSUPPORTED;
    }
    if (width < 1 || height < 1 || width > CIS_MAX_SIDE || height > CIS_MAX_SIDE) {
        snprintf(err, errlen, "cannot encode a %dx%d image", width, height);
        return 1;
    }
    jpeg_encode_state *state = calloc(1, sizeof(jpeg_encode_state));
    if (!state) {
        snprintf(err, errlen, "out of memory");
        return 1;
    }
    struct jpeg_compress_struct *cinfo = &state->cinfo;
    install(&state->fail, err, errlen);
    cinfo->err = &state->fail.pub;
    if (setjmp(state->fail.jmp)) {
        jpeg_destroy_compress(cinfo);
        free(state->bytes);
        free(state);
        return 1;
    }
    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, &state->bytes, &state->size);
    cinfo->image_width = (JDIMENSION)width;
    cinfo->image_height = (JDIMENSION)height;
    cinfo->input_components = channels;
    cinfo->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality < 1 ? 1 : quality > 100 ? 100 : quality, TRUE);
    jpeg_start_compress(cinfo, TRUE);
    size_t stride = (size_t)width * channels;
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + stride * cinfo->next_scanline);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    jpeg_destroy_compress(cinfo);
    out->bytes = state->bytes;
    out->size = state->size;
    free(state);
    return 0;
}
