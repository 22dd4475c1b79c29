#ifndef CONVSCOPE_CHDF5_SHIM_H
#define CONVSCOPE_CHDF5_SHIM_H
#include <hdf5.h>

// HDF5 exposes these as macros that expand to global ids or need H5open();
// Swift cannot import them, so each is wrapped once here.
static inline hid_t cs_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t cs_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t cs_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t cs_H5T_NATIVE_INT32(void) { return H5T_NATIVE_INT32; }
static inline hid_t cs_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t cs_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t cs_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t cs_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t cs_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline unsigned cs_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned cs_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned cs_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline hsize_t cs_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }
static inline hid_t cs_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t cs_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t cs_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline size_t cs_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t cs_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t cs_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t cs_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline unsigned cs_H5F_OBJ_ALL(void) { return H5F_OBJ_ALL; }
static inline unsigned cs_H5O_INFO_BASIC(void) { return H5O_INFO_BASIC; }
static inline hid_t cs_H5FD_CORE(void) { return H5FD_CORE; }
static inline hid_t cs_H5FD_SEC2(void) { return H5FD_SEC2; }
// 8-bit integer datasets (Keras' quantized kernels, issue 16)
static inline hid_t cs_H5T_NATIVE_INT8(void) { return H5T_NATIVE_INT8; }
static inline hid_t cs_H5T_STD_I8LE(void) { return H5T_STD_I8LE; }
static inline hid_t cs_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
#endif
