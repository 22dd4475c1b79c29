#ifndef CONVSCOPE_COPENBLAS_SHIM_H
#define CONVSCOPE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
