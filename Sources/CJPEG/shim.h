#ifndef CONVSCOPE_CJPEG_SHIM_H
#define CONVSCOPE_CJPEG_SHIM_H
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#endif
