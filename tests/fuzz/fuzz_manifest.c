/* SPDX-License-Identifier: MIT */
/*
 * fuzz_manifest.c -- fuzz target for the parser of backup manifests (src/engine/manifest.c),
 * which reads MANIFEST.json from a backup directory that may be damaged or forged.
 *
 * Each input is parsed twice: as it is (almost never past the checksum), and sealed -- with a
 * correct checksum line appended -- so that the member parser itself is explored. A refusal
 * must say why; a manifest that parses must write back to text that parses to the same
 * contents. Any broken promise aborts, which both libFuzzer and the replay driver report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "crypto.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEY "  \"manifest_blake2b_256\": \""

static void
check(const uint8_t *p, size_t n)
{
    steme__manifest m, back;
    const char *what = NULL;
    char *text;
    size_t len;

    if (steme__manifest_parse(p, n, &m, &what) != STEME_OK) {
        if (what == NULL || what[0] == '\0')
            abort();
        return;
    }
    if (steme__manifest_write(&m, &text, &len) != STEME_OK)
        abort();
    if (steme__manifest_parse((const uint8_t *)text, len, &back, &what) != STEME_OK)
        abort();
    if (back.info.last_seq != m.info.last_seq || back.info.records != m.info.records ||
        back.info.created_at != m.info.created_at || back.n_files != m.n_files ||
        back.info.bytes != m.info.bytes || memcmp(back.files, m.files, sizeof(m.files)) != 0)
        abort();
    steme__free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t sum[32];
    char hex[65];

    if (size > STEME__MANIFEST_MAX_BYTES)
        return 0;
    steme__crypto_init();
    check(data, size);

    /* Sealed: the input, a newline if it lacks one, then the checksum line over all that. */
    size_t body = size + (size == 0 || data[size - 1] != '\n');
    uint8_t *p = malloc(body + sizeof(KEY) + 64 + 4);
    if (p == NULL)
        return 0;
    memcpy(p, data, size);
    p[body - 1] = '\n';
    steme__hash256(p, body, sum);
    steme_hex(sum, 32, hex);
    memcpy(p + body, KEY, sizeof(KEY) - 1);
    memcpy(p + body + sizeof(KEY) - 1, hex, 64);
    memcpy(p + body + sizeof(KEY) - 1 + 64, "\"\n}\n", 4);
    check(p, body + sizeof(KEY) - 1 + 64 + 4);
    free(p);
    return 0;
}
