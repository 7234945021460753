/* SPDX-License-Identifier: MIT */
/*
 * keys.c -- Ed25519 key pairs: generation, key files, signing records.
 *
 * A key file is three text lines (docs/keys.md):
 *     steme-ed25519-v1
 *     seed <64 hex digits>
 *     public <64 hex digits>
 * It is created exclusively with mode 0600 and refused when group or others may read or
 * write it. Errors never quote the file: its contents are a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "crypto.h"
#include "steme.h"

#define KEYFILE_MAGIC "steme-ed25519-v1"
#define KEYFILE_MAX   512

struct steme_keypair {
    uint8_t seed[STEME_SEED_SIZE];
    uint8_t pk[STEME_PUBKEY_SIZE];
    uint8_t sk[64];
};

steme_err
steme_keypair_from_seed(const uint8_t seed[STEME_SEED_SIZE], steme_keypair **ret)
{
    if (seed == NULL || ret == NULL)
        return STEME_EINVAL;
    if (!steme__crypto_init())
        return STEME_ESYSERR | EIO;
    steme_keypair *kp = steme__malloc(sizeof(*kp));
    if (kp == NULL)
        return STEME_ENOMEM;
    memcpy(kp->seed, seed, STEME_SEED_SIZE);
    steme__sign_seed_keypair(kp->seed, kp->pk, kp->sk);
    *ret = kp;
    return STEME_OK;
}

steme_err
steme_keypair_generate(steme_keypair **ret)
{
    if (ret == NULL)
        return STEME_EINVAL;
    if (!steme__crypto_init())
        return STEME_ESYSERR | EIO;
    uint8_t seed[STEME_SEED_SIZE];
    steme__random(seed, sizeof(seed));
    steme_err err = steme_keypair_from_seed(seed, ret);
    steme__memzero(seed, sizeof(seed));
    return err;
}

void
steme_keypair_free(steme_keypair *kp)
{
    if (kp == NULL)
        return;
    steme__memzero(kp, sizeof(*kp));
    steme__free(kp);
}

void
steme_keypair_public(const steme_keypair *kp, steme_pubkey *ret)
{
    memcpy(ret->b, kp->pk, STEME_PUBKEY_SIZE);
}

void
steme_keypair_sign(const steme_keypair *kp, const steme_id *id, steme_sig *ret)
{
    steme__sign(kp->sk, id->b, STEME_ID_SIZE, ret->b);
}

bool
steme_sig_verify(const steme_pubkey *pk, const steme_id *id, const steme_sig *sig)
{
    if (!steme__crypto_init())
        return false;
    return steme__verify(pk->b, id->b, STEME_ID_SIZE, sig->b);
}

static steme_err
write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return STEME_ESYSERR | errno;
        }
        buf += n;
        len -= (size_t)n;
    }
    return STEME_OK;
}

steme_err
steme_keypair_save(const steme_keypair *kp, const char *path)
{
    if (kp == NULL || path == NULL)
        return STEME_EINVAL;

    char text[KEYFILE_MAX];
    char seedhex[2 * STEME_SEED_SIZE + 1], pkhex[2 * STEME_PUBKEY_SIZE + 1];
    steme_hex(kp->seed, STEME_SEED_SIZE, seedhex);
    steme_hex(kp->pk, STEME_PUBKEY_SIZE, pkhex);
    int len =
        snprintf(text, sizeof(text), "%s\nseed %s\npublic %s\n", KEYFILE_MAGIC, seedhex, pkhex);
    steme__memzero(seedhex, sizeof(seedhex));

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        steme__memzero(text, sizeof(text));
        return errno == EEXIST ? STEME_EEXIST : (STEME_ESYSERR | errno);
    }
    /* The umask can only remove bits, but be explicit in case the file system ignores it. */
    steme_err err = fchmod(fd, 0600) == 0 ? STEME_OK : (STEME_ESYSERR | errno);
    if (err == STEME_OK)
        err = write_all(fd, text, (size_t)len);
    if (err == STEME_OK && fsync(fd) != 0)
        err = STEME_ESYSERR | errno;
    steme__memzero(text, sizeof(text));
    close(fd);
    if (err != STEME_OK)
        unlink(path);
    return err;
}

/* Parse "<word> <64 hex>\n" at *p into out. */
static bool
parse_line(const char **p, const char *end, const char *word, uint8_t out[32])
{
    size_t wl = strlen(word);
    const char *s = *p;
    if ((size_t)(end - s) < wl + 1 + 64 + 1 || memcmp(s, word, wl) != 0 || s[wl] != ' ' ||
        s[wl + 65] != '\n')
        return false;
    char hex[65];
    memcpy(hex, s + wl + 1, 64);
    hex[64] = '\0';
    bool ok = steme_unhex(hex, out, 32) == STEME_OK;
    steme__memzero(hex, sizeof(hex));
    *p = s + wl + 66;
    return ok;
}

steme_err
steme_keypair_load(const char *path, steme_keypair **ret)
{
    if (path == NULL || ret == NULL)
        return STEME_EINVAL;

    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? STEME_ENOTFOUND : (STEME_ESYSERR | errno);

    steme_err err = STEME_OK;
    char text[KEYFILE_MAX];
    size_t len = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err = STEME_ESYSERR | errno;
        goto out_close;
    }
    if (!S_ISREG(st.st_mode)) {
        err = STEME_EINVAL;
        goto out_close;
    }
    if (st.st_mode & 077) {
        err = STEME_EPERM;
        goto out_close;
    }
    for (;;) {
        ssize_t n = read(fd, text + len, sizeof(text) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = STEME_ESYSERR | errno;
            goto out_wipe;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof(text)) {
            err = STEME_EINVAL; /* far larger than any key file */
            goto out_wipe;
        }
    }

    const char *p = text, *end = text + len;
    size_t ml = strlen(KEYFILE_MAGIC);
    uint8_t seed[STEME_SEED_SIZE], pk[STEME_PUBKEY_SIZE];
    if (len < ml + 1 || memcmp(p, KEYFILE_MAGIC, ml) != 0 || p[ml] != '\n') {
        err = STEME_EINVAL;
        goto out_wipe;
    }
    p += ml + 1;
    if (!parse_line(&p, end, "seed", seed) || !parse_line(&p, end, "public", pk) || p != end) {
        err = STEME_EINVAL;
        goto out_wipe_seed;
    }
    steme_keypair *kp;
    err = steme_keypair_from_seed(seed, &kp);
    if (err != STEME_OK)
        goto out_wipe_seed;
    if (!steme__ct_equal(kp->pk, pk, STEME_PUBKEY_SIZE)) {
        steme_keypair_free(kp);
        err = STEME_EINVAL; /* the public line does not belong to the seed */
        goto out_wipe_seed;
    }
    *ret = kp;

out_wipe_seed:
    steme__memzero(seed, sizeof(seed));
out_wipe:
    steme__memzero(text, sizeof(text));
out_close:
    close(fd);
    return err;
}

steme_err
steme_record_sign(const steme_record *rec, const steme_keypair *kp, uint8_t *buf, size_t cap,
                  size_t *ret_len, steme_id *ret_id, steme_sig *ret_sig, steme_errinfo *ei)
{
    if (rec == NULL || kp == NULL || buf == NULL || ret_len == NULL || ret_id == NULL ||
        ret_sig == NULL)
        return STEME_EINVAL;
    const steme_pubkey *author = steme_record_author(rec);
    if (author == NULL || memcmp(author->b, kp->pk, STEME_PUBKEY_SIZE) != 0) {
        if (ei) {
            ei->field = "agent";
            ei->rule = "is not the signing key's public key";
            ei->offset = 0;
        }
        return STEME_EINVAL;
    }
    size_t len;
    steme_err err = steme_record_encode(rec, buf, cap, &len, ei);
    if (err != STEME_OK)
        return err;
    steme_record_id(buf, len, ret_id);
    steme_keypair_sign(kp, ret_id, ret_sig);
    *ret_len = len;
    return STEME_OK;
}
