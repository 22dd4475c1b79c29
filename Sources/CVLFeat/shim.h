#ifndef CONVSCOPE_CVLFEAT_SHIM_H
#define CONVSCOPE_CVLFEAT_SHIM_H
#include <vl/generic.h>
#include <vl/sift.h>
#include <vl/covdet.h>
#include <vl/kmeans.h>
#endif
