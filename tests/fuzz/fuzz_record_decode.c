/* SPDX-License-Identifier: MIT */
/*
 * fuzz_record_decode.c -- fuzz target for the two parsers of untrusted records: the canonical
 * decoder and the JSON form.
 *
 * Bytes that decode must re-encode to exactly themselves (one encoding per content) and must
 * survive the JSON form unchanged; bytes that do not decode must be refused with a field, a
 * rule and an offset inside the input. The same bytes, if they parse as JSON, go through
 * steme__record_from_json(); whatever encodes from there must decode and re-encode again.
 * Any broken promise aborts, which both libFuzzer and the replay driver report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[STEME_MAX_RECORD];
static uint8_t out2[STEME_MAX_RECORD];

/* rec came from bytes b[0..len): it must encode to b again, also through its JSON form. */
static void
check_canonical(const steme_record *rec, const uint8_t *b, size_t len)
{
    steme_errinfo ei;
    size_t n;

    if (steme_record_encode(rec, out2, sizeof(out2), &n, &ei) != STEME_OK || n != len ||
        memcmp(out2, b, len) != 0)
        abort();

    json_t *j = steme__record_to_json(rec);
    if (j == NULL)
        abort();
    steme__json_record jr;
    if (steme__record_from_json(j, &jr, &ei) != STEME_OK)
        abort();
    if (steme_record_encode(&jr.rec, out2, sizeof(out2), &n, &ei) != STEME_OK || n != len ||
        memcmp(out2, b, len) != 0)
        abort();
    json_decref(j);
}

static void
fuzz_json(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (j == NULL)
        return;
    steme__json_record jr;
    steme_errinfo ei = {0};
    size_t len;
    if (steme__record_from_json(j, &jr, &ei) != STEME_OK) {
        if (ei.field == NULL || ei.rule == NULL)
            abort();
    } else if (steme_record_encode(&jr.rec, out, sizeof(out), &len, &ei) == STEME_OK) {
        steme_record rec;
        if (steme_record_decode(out, len, &rec, &ei) != STEME_OK)
            abort();
        check_canonical(&rec, out, len);
    } else if (ei.field == NULL || ei.rule == NULL) {
        abort();
    }
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    steme_record rec;
    steme_errinfo ei = {0};

    if (steme_record_decode(data, size, &rec, &ei) == STEME_OK)
        check_canonical(&rec, data, size);
    else if (ei.field == NULL || ei.rule == NULL || ei.offset > size)
        abort();
    fuzz_json(data, size);
    return 0;
}
