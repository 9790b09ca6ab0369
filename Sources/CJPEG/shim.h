#ifndef DESCENT_CJPEG_SHIM_H
#define DESCENT_CJPEG_SHIM_H
#include <stdio.h>   /* jpeglib.h uses FILE and size_t without including their headers */
#include <jpeglib.h>
#endif
