/* SPDX-License-Identifier: MIT */
/*
 * crypto.h -- the only module that talks to libsodium: hashing, signatures, randomness and
 * secret memory. Everything else in StemeDB goes through these functions.
 */
#ifndef STEME_CORE_CRYPTO_H
#define STEME_CORE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steme.h"

/* Initialise libsodium once; safe to call from any thread, any number of times.
 * Returns false only if the library cannot initialise (no entropy source). */
bool steme__crypto_init(void);

/* BLAKE2b-256 of data (unkeyed). */
void steme__hash256(const void *data, size_t len, uint8_t out[32]);

/* Incremental BLAKE2b-256 (for file checksums and receipts). */
typedef struct steme__hasher {
    _Alignas(64) uint8_t state[384];
} steme__hasher;
void steme__hash256_init(steme__hasher *h);
void steme__hash256_update(steme__hasher *h, const void *data, size_t len);
void steme__hash256_final(steme__hasher *h, uint8_t out[32]);

/* The 8-byte short hash used for compact index keys: the first 8 bytes of
 * BLAKE2b-128(personal "steme-idx-v1") of data, so that ordering is stable across builds. */
void steme__hash64(const void *data, size_t len, uint8_t out[8]);

/* SipHash-2-4 (libsodium's crypto_shorthash) of data under a secret key, as an integer: the
 * hash of in-memory tables whose keys a client or a writer chooses, so that they cannot pick
 * keys that collide. The key comes from steme__random, one per table. */
#define STEME__TABLE_KEY_SIZE 16
uint64_t steme__table_hash(const uint8_t key[STEME__TABLE_KEY_SIZE], const void *data, size_t len);

/* Ed25519 */
void steme__sign_seed_keypair(const uint8_t seed[32], uint8_t pk[32], uint8_t sk[64]);
void steme__sign(const uint8_t sk[64], const uint8_t *msg, size_t len, uint8_t sig[64]);
bool steme__verify(const uint8_t pk[32], const uint8_t *msg, size_t len, const uint8_t sig[64]);

void steme__random(void *buf, size_t len);
void steme__memzero(void *p, size_t len);
/* Constant-time equality of two equal-length buffers. */
bool steme__ct_equal(const void *a, const void *b, size_t len);

#endif
