#ifndef DESCENT_IMAGE_CODECS_H
#define DESCENT_IMAGE_CODECS_H
/*
 * PNG and JPEG decoding from memory through the system's libpng (its simplified API,
 * libpng 1.6) and libjpeg-turbo, for the image-folder dataset format
 * (Sources/Descent/Data/ImageFolder.swift). Errors never exit or longjmp past the caller:
 * each function returns 0 on success, else writes a one-line message into `error`.
 *
 * Decoding is in two steps: `*_info` reads the header (width, height, whether the image
 * has colour), then `*_decode` writes height x width pixels of `channels` bytes each,
 * interleaved: PNG 2 (grey, alpha) or 4 (red, green, blue, alpha), JPEG 1 (grey) or 3
 * (red, green, blue), as the caller asks.
 */
#include <stddef.h>
#include <stdint.h>

#define DESCENT_CODEC_ERROR_SIZE 200

int descent_png_info(const uint8_t *data, size_t size, int *width, int *height, int *colour, char *error);
int descent_png_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size, char *error);
int descent_jpeg_info(const uint8_t *data, size_t size, int *width, int *height, int *colour, char *error);
int descent_jpeg_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size, char *error);
/* Encodes height x width pixels of `channels` (1 grey, 3 RGB) bytes as a baseline JPEG of
 * `quality` (1-100) into a buffer from malloc (*out, *out_size; free it): how tests write
 * their own JPEG files. */
int descent_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                        uint8_t **out, unsigned long *out_size, char *error);
#endif
