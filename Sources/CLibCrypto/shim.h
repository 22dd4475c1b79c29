#ifndef CONVSCOPE_CLIBCRYPTO_SHIM_H
#define CONVSCOPE_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto: the SHA-256 digest an export records (EVP interface; SHA-NI/AVX2 where the CPU has them).
#include <openssl/evp.h>
#endif
