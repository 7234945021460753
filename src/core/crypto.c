/* SPDX-License-Identifier: MIT */
/*
 * crypto.c -- the single wrapper around libsodium (DESIGN §2: one module per third-party
 * library). Hashes are BLAKE2b, signatures Ed25519 over 32-byte ids.
 */
#include "crypto.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

_Static_assert(sizeof(((steme__hasher *)0)->state) >= sizeof(crypto_generichash_state),
               "steme__hasher too small for libsodium's state");

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = -1;

static void
do_init(void)
{
    init_result = sodium_init();
}

bool
steme__crypto_init(void)
{
    pthread_once(&init_once, do_init);
    return init_result >= 0;
}

void
steme__hash256(const void *data, size_t len, uint8_t out[32])
{
    crypto_generichash(out, 32, data, len, NULL, 0);
}

void
steme__hash256_init(steme__hasher *h)
{
    crypto_generichash_init((crypto_generichash_state *)h->state, NULL, 0, 32);
}

void
steme__hash256_update(steme__hasher *h, const void *data, size_t len)
{
    crypto_generichash_update((crypto_generichash_state *)h->state, data, len);
}

void
steme__hash256_final(steme__hasher *h, uint8_t out[32])
{
    crypto_generichash_final((crypto_generichash_state *)h->state, out, 32);
}

uint64_t
steme__table_hash(const uint8_t key[STEME__TABLE_KEY_SIZE], const void *data, size_t len)
{
    _Static_assert(STEME__TABLE_KEY_SIZE == crypto_shorthash_KEYBYTES, "SipHash key size");
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t v = 0;

    crypto_shorthash(h, data, len, key);
    for (int i = 0; i < 8; i++)
        v = v << 8 | h[i];
    return v;
}

void
steme__hash64(const void *data, size_t len, uint8_t out[8])
{
    /* libsodium's BLAKE2b has a 16-byte minimum output; the personalisation separates index
     * keys from ids so an index key never equals an id prefix by construction. */
    static const uint8_t personal[crypto_generichash_blake2b_PERSONALBYTES] = "steme-idx-v1";
    uint8_t full[16];
    crypto_generichash_blake2b_salt_personal(full, sizeof(full), data, len, NULL, 0, NULL,
                                             personal);
    memcpy(out, full, 8);
}

void
steme__sign_seed_keypair(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64])
{
    crypto_sign_seed_keypair(pk, sk, seed);
}

void
steme__sign(const uint8_t sk[64], const uint8_t *msg, size_t len, uint8_t sig[64])
{
    crypto_sign_detached(sig, NULL, msg, len, sk);
}

bool
steme__verify(const uint8_t pk[32], const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}

void
steme__random(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void
steme__memzero(void *p, size_t len)
{
    sodium_memzero(p, len);
}

bool
steme__ct_equal(const void *a, const void *b, size_t len)
{
    return sodium_memcmp(a, b, len) == 0;
}
