#include "image_codecs.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

/* ---- PNG: libpng's simplified API (no setjmp needed: errors end in image.message) ---- */

int descent_png_info(const uint8_t *data, size_t size, int *width, int *height, int *colour, char *error) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(error, DESCENT_CODEC_ERROR_SIZE, "not a readable PNG (%s)", image.message);
        png_image_free(&image);
        return 1;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    *colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0;
    png_image_free(&image);
    return 0;
}

int descent_png_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size, char *error) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        snprintf(error, DESCENT_CODEC_ERROR_SIZE, "not a readable PNG (%s)", image.message);
        png_image_free(&image);
        return 1;
    }
    image.format = channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_GA;
    if (PNG_IMAGE_SIZE(image) != out_size) {
        snprintf(error, DESCENT_CODEC_ERROR_SIZE, "PNG of %ux%u pixels does not fill %zu bytes", image.width, image.height, out_size);
        png_image_free(&image);
        return 1;
    }
    if (!png_image_finish_read(&image, NULL, out, 0, NULL)) {
        snprintf(error, DESCENT_CODEC_ERROR_SIZE, "corrupt PNG (%s)", image.message);
        png_image_free(&image);
        return 1;
    }
    png_image_free(&image);
    return 0;
}

/* ---- JPEG: libjpeg-turbo, with an error manager that longjmps back here ---- */

struct descent_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf back;
    char *message;
};

static void descent_jpeg_fail(j_common_ptr info) {
    struct descent_jpeg_error *e = (struct descent_jpeg_error *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    snprintf(e->message, DESCENT_CODEC_ERROR_SIZE, "corrupt JPEG (%s)", text);
    longjmp(e->back, 1);
}

/* Warnings (e.g. "premature end of data segment") are errors here: a damaged file is not data. */
static void descent_jpeg_warn(j_common_ptr info, int level) {
    if (level < 0) descent_jpeg_fail(info);
}

static int descent_jpeg_read(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size,
                             int *width, int *height, int *colour, char *error) {
    struct jpeg_decompress_struct info;
    struct descent_jpeg_error e;
    info.err = jpeg_std_error(&e.manager);
    e.manager.error_exit = descent_jpeg_fail;
    e.manager.emit_message = descent_jpeg_warn;
    e.message = error;
    if (setjmp(e.back)) {
        jpeg_destroy_decompress(&info);
        return 1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        snprintf(error, DESCENT_CODEC_ERROR_SIZE, "a CMYK JPEG (grey and colour JPEGs are read)");
        jpeg_destroy_decompress(&info);
        return 1;
    }
    if (width) { *width = (int)info.image_width; *height = (int)info.image_height; *colour = info.num_components > 1; }
    if (!out) { jpeg_destroy_decompress(&info); return 0; }
    info.out_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&info);
    size_t row = (size_t)info.output_width * (size_t)info.output_components;
    if (row * info.output_height != out_size || info.output_components != channels) {
        snprintf(error, DESCENT_CODEC_ERROR_SIZE, "JPEG of %ux%u pixels does not fill %zu bytes", info.output_width, info.output_height, out_size);
        jpeg_destroy_decompress(&info);
        return 1;
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW line = out + (size_t)info.output_scanline * row;
        jpeg_read_scanlines(&info, &line, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return 0;
}

int descent_jpeg_info(const uint8_t *data, size_t size, int *width, int *height, int *colour, char *error) {
    return descent_jpeg_read(data, size, 0, NULL, 0, width, height, colour, error);
}

int descent_jpeg_decode(const uint8_t *data, size_t size, int channels, uint8_t *out, size_t out_size, char *error) {
    return descent_jpeg_read(data, size, channels, out, out_size, NULL, NULL, NULL, error);
}

int descent_jpeg_encode(const uint8_t *pixels, int width, int height, int channels, int quality,
                        uint8_t **out, unsigned long *out_size, char *error) {
    struct jpeg_compress_struct info;
    struct descent_jpeg_error e;
    info.err = jpeg_std_error(&e.manager);
    e.manager.error_exit = descent_jpeg_fail;
    e.message = error;
    *out = NULL;
    *out_size = 0;
    if (setjmp(e.back)) {
        jpeg_destroy_compress(&info);
        return 1;
    }
    jpeg_create_compress(&info);
    jpeg_mem_dest(&info, out, out_size);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t row = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW line = (JSAMPROW)(pixels + (size_t)info.next_scanline * row);
        jpeg_write_scanlines(&info, &line, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    return 0;
}
