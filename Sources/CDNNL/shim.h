#ifndef CONVSCOPE_CDNNL_SHIM_H
#define CONVSCOPE_CDNNL_SHIM_H
#include <dnnl.h>

/* The Debian build of oneDNN runs on OpenMP (DNNL_CPU_RUNTIME_OMP): its thread count is OpenMP's. */
extern void omp_set_num_threads(int);
extern int omp_get_max_threads(void);

static inline int convscope_dnnl_arg_src(void) { return DNNL_ARG_SRC; }
static inline int convscope_dnnl_arg_dst(void) { return DNNL_ARG_DST; }
static inline int convscope_dnnl_arg_weights(void) { return DNNL_ARG_WEIGHTS; }
static inline int convscope_dnnl_arg_bias(void) { return DNNL_ARG_BIAS; }
static inline int convscope_dnnl_arg_from(void) { return DNNL_ARG_FROM; }
static inline int convscope_dnnl_arg_to(void) { return DNNL_ARG_TO; }
#endif
