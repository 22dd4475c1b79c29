#ifndef CONVSCOPE_CRC32C_H
#define CONVSCOPE_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `n` bytes, continuing from `crc`
/// (0 to start): the SSE4.2 `crc32` instruction where the CPU has it, a table otherwise.
uint32_t convscope_crc32c(uint32_t crc, const void *data, size_t n);
/// The same, always through the table (tests compare both paths).
uint32_t convscope_crc32c_table(uint32_t crc, const void *data, size_t n);
/// 1 when the hardware path is in use.
int convscope_crc32c_hardware(void);
#endif
