// SHA-256 (FIPS 180-4) with the x86 SHA extensions when the CPU has them, portable C otherwise.
#ifndef P2P_CSHA256_H
#define P2P_CSHA256_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Hashing state. Plain data: copying the struct forks the hash.
typedef struct p2p_sha256_ctx {
    uint32_t state[8];   // a..h
    uint8_t buffer[64];  // partial block not yet compressed
    uint32_t buffered;   // bytes in `buffer`, always < 64 between calls
    uint64_t total;      // message length so far, in bytes
} p2p_sha256_ctx;

void p2p_sha256_init(p2p_sha256_ctx *ctx);
void p2p_sha256_update(p2p_sha256_ctx *ctx, const void *data, size_t len);
/// Writes the digest; the context must be re-initialised before reuse.
void p2p_sha256_final(p2p_sha256_ctx *ctx, uint8_t out[32]);

/// 1 if blocks are compressed with the CPU's SHA instructions (and not forced portable).
int p2p_sha256_uses_shani(void);

// For tests: compress `nblocks` 64-byte blocks with one specific implementation.
// The SHA-NI one must only be called when p2p_sha256_cpu_has_shani() returns 1.
void p2p_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t nblocks);
void p2p_sha256_blocks_shani(uint32_t state[8], const uint8_t *data, size_t nblocks);
/// 1 if the CPU supports the SHA extensions, regardless of p2p_sha256_force_portable.
int p2p_sha256_cpu_has_shani(void);
/// Nonzero: every context uses the portable code from now on (process-wide; for tests/benchmarks).
void p2p_sha256_force_portable(int on);

#ifdef __cplusplus
}
#endif

#endif
