#ifndef DESCENT_CRSVG_SHIM_H
#define DESCENT_CRSVG_SHIM_H
/* librsvg parses and renders SVG documents onto cairo surfaces; cairo writes the PNG.
   pkg-config librsvg-2.0 gives the include paths and libraries of both. */
#include <librsvg/rsvg.h>
#include <cairo.h>
#endif
