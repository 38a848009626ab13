// SHA-256 (FIPS 180-4). Written for this project; see CSHA256.h for the API.
#include "CSHA256.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define P2P_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* ---------------------------------------------------------------- portable */

static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t load_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void p2p_sha256_blocks_portable(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    for (; nblocks > 0; nblocks--, data += 64) {
        uint32_t w[16];  // rolling window: w[t & 15] holds W[t]
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t wt;
            if (t < 16) {
                wt = load_be32(data + 4 * t);
            } else {
                uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
                uint32_t s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >> 3);
                uint32_t s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >> 10);
                wt = w[t & 15] + s0 + w[(t - 7) & 15] + s1;
            }
            w[t & 15] = wt;
            uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + wt;
            uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1;
            d = c; c = b; b = a; a = t1 + t2;
        }
        state[0] += a; state[1] += b; state[2] += c; state[3] += d;
        state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    }
}

/* ---------------------------------------------------------------- SHA-NI */

#ifdef P2P_X86
// sha256rnds2 wants the working variables packed as two vectors, high lane first:
// "ABEF" = {A,B,E,F} and "CDGH" = {C,D,G,H} (lane 3 .. lane 0). It performs two rounds using
// the low two lanes of its third operand (W[t]+K[t]); so every 4 rounds are two rnds2 calls,
// the second after moving lanes 2,3 of the W+K vector down (shuffle 0x0E).
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// 4 rounds with message words m = W[k..k+3].
#define ROUNDS4(m, k)                                                        \
    do {                                                                     \
        __m128i wk = _mm_add_epi32((m), _mm_loadu_si128((const __m128i *)&K[k])); \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);                        \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E)); \
    } while (0)

// Message schedule: given m0..m3 = W[t-16..t-13], W[t-12..t-9], W[t-8..t-5], W[t-4..t-1],
// overwrite m0 with W[t..t+3].  msg1 adds sigma0(W[t-15+i]) to W[t-16+i]; alignr picks
// W[t-7..t-4] out of m2:m3; msg2 adds sigma1(W[t-2+i]), resolving the dependency of
// W[t+2], W[t+3] on the W[t], W[t+1] it has just computed.
#define SCHEDULE(m0, m1, m2, m3) \
    m0 = _mm_sha256msg2_epu32(   \
        _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)), m3)

SHA_TARGET void p2p_sha256_blocks_shani(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    // Byte-swap each 32-bit word: the message is big-endian.
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    // state[0..3] = {a,b,c,d}, state[4..7] = {e,f,g,h} (lane 0 first) -> ABEF, CDGH.
    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);           // lanes {b,a,d,c}
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);           // lanes {h,g,f,e}
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);          // lanes {f,e,b,a}
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);       // lanes {h,g,d,c}

    for (; nblocks > 0; nblocks--, data += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), bswap);

        ROUNDS4(m0, 0);  ROUNDS4(m1, 4);  ROUNDS4(m2, 8);  ROUNDS4(m3, 12);
        // The straight-line code lets the CPU overlap each schedule step with the rounds
        // before it; the rnds2 chain is the critical path.
        SCHEDULE(m0, m1, m2, m3); ROUNDS4(m0, 16);
        SCHEDULE(m1, m2, m3, m0); ROUNDS4(m1, 20);
        SCHEDULE(m2, m3, m0, m1); ROUNDS4(m2, 24);
        SCHEDULE(m3, m0, m1, m2); ROUNDS4(m3, 28);
        SCHEDULE(m0, m1, m2, m3); ROUNDS4(m0, 32);
        SCHEDULE(m1, m2, m3, m0); ROUNDS4(m1, 36);
        SCHEDULE(m2, m3, m0, m1); ROUNDS4(m2, 40);
        SCHEDULE(m3, m0, m1, m2); ROUNDS4(m3, 44);
        SCHEDULE(m0, m1, m2, m3); ROUNDS4(m0, 48);
        SCHEDULE(m1, m2, m3, m0); ROUNDS4(m1, 52);
        SCHEDULE(m2, m3, m0, m1); ROUNDS4(m2, 56);
        SCHEDULE(m3, m0, m1, m2); ROUNDS4(m3, 60);

        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    // Back to {a,b,c,d}, {e,f,g,h}.
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);           // lanes {a,b,e,f}
    __m128i ghcd = _mm_shuffle_epi32(cdgh, 0xB1);           // lanes {g,h,c,d}
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, ghcd, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(ghcd, feba, 8));
}

int p2p_sha256_cpu_has_shani(void) {
    static int cached = -1;  // racing initialisers all store the same value
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        unsigned a, b, c, d;
        v = 0;
        if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3) &&
            __get_cpuid_max(0, NULL) >= 7) {
            __cpuid_count(7, 0, a, b, c, d);
            v = (b >> 29) & 1;  // SHA
        }
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}
#else
void p2p_sha256_blocks_shani(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    p2p_sha256_blocks_portable(state, data, nblocks);  // never selected; keeps the symbol
}
int p2p_sha256_cpu_has_shani(void) { return 0; }
#endif

/* ---------------------------------------------------------------- dispatch */

static int force_portable;

void p2p_sha256_force_portable(int on) { __atomic_store_n(&force_portable, on != 0, __ATOMIC_RELAXED); }

int p2p_sha256_uses_shani(void) {
    return !__atomic_load_n(&force_portable, __ATOMIC_RELAXED) && p2p_sha256_cpu_has_shani();
}

static void compress(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    if (p2p_sha256_uses_shani())
        p2p_sha256_blocks_shani(state, data, nblocks);
    else
        p2p_sha256_blocks_portable(state, data, nblocks);
}

/* ---------------------------------------------------------------- streaming */

void p2p_sha256_init(p2p_sha256_ctx *ctx) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(ctx->state, iv, sizeof iv);
    ctx->buffered = 0;
    ctx->total = 0;
}

void p2p_sha256_update(p2p_sha256_ctx *ctx, const void *data, size_t len) {
    const uint8_t *p = data;
    ctx->total += len;
    if (ctx->buffered) {  // top up the partial block first
        size_t take = 64 - ctx->buffered;
        if (take > len) take = len;
        memcpy(ctx->buffer + ctx->buffered, p, take);
        ctx->buffered += (uint32_t)take;
        p += take;
        len -= take;
        if (ctx->buffered < 64) return;
        compress(ctx->state, ctx->buffer, 1);
        ctx->buffered = 0;
    }
    if (len >= 64) {  // whole blocks straight from the caller's memory
        compress(ctx->state, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    if (len) {
        memcpy(ctx->buffer, p, len);
        ctx->buffered = (uint32_t)len;
    }
}

void p2p_sha256_final(p2p_sha256_ctx *ctx, uint8_t out[32]) {
    uint64_t bits = ctx->total * 8;
    size_t n = ctx->buffered;
    ctx->buffer[n++] = 0x80;
    if (n > 56) {  // no room for the 8-byte length: pad out this block and use another
        memset(ctx->buffer + n, 0, 64 - n);
        compress(ctx->state, ctx->buffer, 1);
        n = 0;
    }
    memset(ctx->buffer + n, 0, 56 - n);
    for (int i = 0; i < 8; i++) ctx->buffer[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(ctx->state, ctx->buffer, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i + 0] = (uint8_t)(ctx->state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
        out[4 * i + 3] = (uint8_t)(ctx->state[i]);
    }
}
