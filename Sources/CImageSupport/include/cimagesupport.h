#ifndef CONVSCOPE_CIMAGESUPPORT_H
#define CONVSCOPE_CIMAGESUPPORT_H

/* C side of the PNG/JPEG codecs. libpng and libjpeg report errors by longjmp
   (or exit()), which must never unwind through Swift frames, so every call into
   those libraries happens here, behind setjmp, and failures come back as a
   return code plus a message. */

#include <stddef.h>
#include <stdint.h>

/* Decoded 8-bit interleaved pixels; `pixels` is malloc'd, release with cis_free. */
typedef struct {
    uint8_t *pixels;
    int width;
    int height;
    int channels;
} cis_decoded;

/* Encoded file bytes; `bytes` is malloc'd, release with cis_free. */
typedef struct {
    uint8_t *bytes;
    size_t size;
} cis_buffer;

/* Largest width or height any decoder accepts. */
#define CIS_MAX_SIDE 65535

/* Failure codes. */
#define CIS_ERR_CORRUPT 1     /* malformed, truncated or otherwise unreadable data */
#define CIS_ERR_UNSUPPORTED 2 /* valid but outside what we handle (e.g. CMYK JPEG) */
#define CIS_ERR_LIMIT 3       /* declared width or height above CIS_MAX_SIDE */
#define CIS_ERR_MEMORY 4      /* declared width*height*channels above max_samples: nothing was allocated,
                                 out->width, out->height and out->channels hold the declaration */

/* All functions return 0 on success, a CIS_ERR_* code on failure with a
   NUL-terminated one-line message in err[0..errlen). `max_samples` bounds width*height*channels
   of the decoded image and is checked before the pixel buffer is allocated (the caller derives it
   from its memory limit). */
int cis_png_decode(const uint8_t *data, size_t size, size_t max_samples,
                   cis_decoded *out, char *err, size_t errlen);
int cis_png_encode(const uint8_t *pixels, int width, int height, int channels,
                   cis_buffer *out, char *err, size_t errlen);
int cis_jpeg_decode(const uint8_t *data, size_t size, size_t max_samples,
                    cis_decoded *out, char *err, size_t errlen);
int cis_jpeg_encode(const uint8_t *pixels, int width, int height, int channels,
                    int quality, cis_buffer *out, char *err, size_t errlen);
void cis_free(void *p);

#endif
