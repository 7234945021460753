/* SPDX-License-Identifier: MIT */
/*
 * test_keys.c -- key pairs and key files: generation, deterministic seeds, 0600 files that
 * refuse to be overwritten, refusal of group/world-readable and malformed files, signatures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "steme.h"

static char dir[] = "/tmp/steme-test-keys-XXXXXX";

static int
setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static void
path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

static void
test_seed_is_deterministic(void **state)
{
    (void)state;
    uint8_t seed[STEME_SEED_SIZE];
    for (int i = 0; i < STEME_SEED_SIZE; i++)
        seed[i] = (uint8_t)i;
    steme_keypair *a, *b;
    assert_int_equal(steme_keypair_from_seed(seed, &a), STEME_OK);
    assert_int_equal(steme_keypair_from_seed(seed, &b), STEME_OK);
    steme_pubkey pa, pb;
    steme_keypair_public(a, &pa);
    steme_keypair_public(b, &pb);
    assert_memory_equal(pa.b, pb.b, STEME_PUBKEY_SIZE);

    /* RFC 8032 is over messages; our message is the 32-byte id. Ed25519 is deterministic:
     * the same key and id give the same signature, and it verifies. */
    steme_id id;
    memset(id.b, 0xAB, sizeof(id.b));
    steme_sig s1, s2;
    steme_keypair_sign(a, &id, &s1);
    steme_keypair_sign(b, &id, &s2);
    assert_memory_equal(s1.b, s2.b, STEME_SIG_SIZE);
    assert_true(steme_sig_verify(&pa, &id, &s1));

    id.b[0] ^= 1;
    assert_false(steme_sig_verify(&pa, &id, &s1));
    id.b[0] ^= 1;
    s1.b[10] ^= 0x40;
    assert_false(steme_sig_verify(&pa, &id, &s1));
    steme_keypair_free(a);
    steme_keypair_free(b);
}

static void
test_generate_differs(void **state)
{
    (void)state;
    steme_keypair *a, *b;
    assert_int_equal(steme_keypair_generate(&a), STEME_OK);
    assert_int_equal(steme_keypair_generate(&b), STEME_OK);
    steme_pubkey pa, pb;
    steme_keypair_public(a, &pa);
    steme_keypair_public(b, &pb);
    assert_memory_not_equal(pa.b, pb.b, STEME_PUBKEY_SIZE);
    steme_keypair_free(a);
    steme_keypair_free(b);
    steme_keypair_free(NULL);
}

static void
test_save_load_round_trip(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "k1.key");
    steme_keypair *kp, *back;
    assert_int_equal(steme_keypair_generate(&kp), STEME_OK);
    assert_int_equal(steme_keypair_save(kp, path), STEME_OK);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(steme_keypair_load(path, &back), STEME_OK);
    steme_pubkey p1, p2;
    steme_keypair_public(kp, &p1);
    steme_keypair_public(back, &p2);
    assert_memory_equal(p1.b, p2.b, STEME_PUBKEY_SIZE);

    steme_id id;
    memset(id.b, 7, sizeof(id.b));
    steme_sig sig;
    steme_keypair_sign(back, &id, &sig);
    assert_true(steme_sig_verify(&p1, &id, &sig));

    /* Never overwritten. */
    assert_int_equal(steme_keypair_save(kp, path), STEME_EEXIST);
    steme_keypair_free(kp);
    steme_keypair_free(back);
}

static void
test_load_refuses_readable_by_others(void **state)
{
    (void)state;
    char path[256];
    path_in(path, sizeof(path), "k2.key");
    steme_keypair *kp, *back = NULL;
    assert_int_equal(steme_keypair_generate(&kp), STEME_OK);
    assert_int_equal(steme_keypair_save(kp, path), STEME_OK);
    const mode_t bad[] = {0640, 0604, 0660, 0644, 0602};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chmod(path, bad[i]), 0);
        assert_int_equal(steme_keypair_load(path, &back), STEME_EPERM);
        assert_null(back);
    }
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(steme_keypair_load(path, &back), STEME_OK);
    steme_keypair_free(back);
    steme_keypair_free(kp);
}

static void
test_load_refuses_malformed(void **state)
{
    (void)state;
    char path[256];
    const char *pk = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    const char *seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    char good[512];
    snprintf(good, sizeof(good), "steme-ed25519-v1\nseed %s\npublic %s\n", seed, pk);

    /* The seed 00..1f has this public key (RFC 8032 style derivation via libsodium). */
    path_in(path, sizeof(path), "good.key");
    write_file(path, good, 0600);
    steme_keypair *kp = NULL;
    assert_int_equal(steme_keypair_load(path, &kp), STEME_OK);
    steme_pubkey p;
    steme_keypair_public(kp, &p);
    char hex[65];
    steme_hex(p.b, 32, hex);
    assert_string_equal(hex, pk);
    steme_keypair_free(kp);

    const char *bad[] = {
        "",
        "steme-ed25519-v2\n",
        "steme-ed25519-v1\nseed 00\npublic 00\n",
        "steme-ed25519-v1\nseed zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "public 03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n",
        /* public key of another seed */
        "steme-ed25519-v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "public 13a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\n",
        /* trailing garbage */
        "steme-ed25519-v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "public 03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8\nx",
        /* missing final newline */
        "steme-ed25519-v1\nseed 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
        "public 03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "bad%zu.key", i);
        path_in(path, sizeof(path), name);
        write_file(path, bad[i], 0600);
        kp = NULL;
        assert_int_equal(steme_keypair_load(path, &kp), STEME_EINVAL);
        assert_null(kp);
    }

    path_in(path, sizeof(path), "absent.key");
    assert_int_equal(steme_keypair_load(path, &kp), STEME_ENOTFOUND);
    /* A directory is not a key file. */
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(steme_keypair_load(dir, &kp), STEME_EINVAL);
}

static void
test_hex(void **state)
{
    (void)state;
    uint8_t in[4] = {0x00, 0x7f, 0xa5, 0xff}, out[4];
    char hex[9];
    steme_hex(in, 4, hex);
    assert_string_equal(hex, "007fa5ff");
    assert_int_equal(steme_unhex("007FA5ff", out, 4), STEME_OK);
    assert_memory_equal(in, out, 4);
    assert_int_equal(steme_unhex("007fa5f", out, 4), STEME_EINVAL);
    assert_int_equal(steme_unhex("007fa5ff0", out, 4), STEME_EINVAL);
    assert_int_equal(steme_unhex("007fa5fg", out, 4), STEME_EINVAL);
    assert_int_equal(steme_unhex(NULL, out, 4), STEME_EINVAL);
}

static void
test_strerror(void **state)
{
    (void)state;
    for (int e = STEME_OK; e <= STEME_EBUSY; e++) {
        const char *s = steme_strerror(e);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown error");
    }
    assert_string_equal(steme_strerror(12345), "unknown error");
    assert_true(steme_err_is_sys(STEME_ESYSERR | 2));
    assert_non_null(strstr(steme_strerror(STEME_ESYSERR | 2), "No such file"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_is_deterministic),
        cmocka_unit_test(test_generate_differs),
        cmocka_unit_test(test_save_load_round_trip),
        cmocka_unit_test(test_load_refuses_readable_by_others),
        cmocka_unit_test(test_load_refuses_malformed),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
