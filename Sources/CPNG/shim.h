#ifndef CONVSCOPE_CPNG_SHIM_H
#define CONVSCOPE_CPNG_SHIM_H
#include <png.h>
#endif
