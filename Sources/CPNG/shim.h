#ifndef DESCENT_CPNG_SHIM_H
#define DESCENT_CPNG_SHIM_H
#include <png.h>
#endif
