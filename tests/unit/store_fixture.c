/* SPDX-License-Identifier: MIT */
/*
 * store_fixture.c -- see store_fixture.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_fixture.h"

char *
fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = malloc(4096);

    assert_non_null(dir);
    snprintf(dir, 4096, "%s/steme-test-XXXXXX", base != NULL && *base ? base : "/tmp");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
fx_rmdir(char *dir)
{
    if (dir == NULL)
        return;
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

steme_keypair *
fx_key(uint8_t n)
{
    uint8_t seed[STEME_SEED_SIZE];
    steme_keypair *kp;

    memset(seed, n, sizeof(seed));
    assert_int_equal(steme_keypair_from_seed(seed, &kp), STEME_OK);
    return kp;
}

steme_pubkey
fx_pub(const steme_keypair *kp)
{
    steme_pubkey pk;
    steme_keypair_public(kp, &pk);
    return pk;
}

void
fx_assertion(steme_record *rec, const steme_keypair *kp, const char *subject, const char *predicate,
             const char *source, int64_t value)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = STEME_RECORD_ASSERTION;
    if (kp != NULL)
        rec->assertion.agent = fx_pub(kp);
    rec->assertion.asserted_at = FX_TIME;
    rec->assertion.subject = steme_str_c(subject);
    rec->assertion.predicate = steme_str_c(predicate);
    rec->assertion.object.type = STEME_VALUE_INTEGER;
    rec->assertion.object.integer = value;
    rec->assertion.confidence = 900000;
    rec->assertion.source = steme_str_c(source);
}

void
fx_vote(steme_record *rec, const steme_keypair *kp, const steme_id *target, int8_t value)
{
    memset(rec, 0, sizeof(*rec));
    rec->kind = STEME_RECORD_VOTE;
    if (kp != NULL)
        rec->vote.agent = fx_pub(kp);
    rec->vote.voted_at = FX_TIME;
    rec->vote.target = *target;
    rec->vote.value = value;
    rec->vote.reason = steme_str_c("checked");
}

void
fx_event(steme_record *rec, const steme_keypair *kp, steme_event_type type)
{
    steme_event *e = &rec->event;

    memset(rec, 0, sizeof(*rec));
    rec->kind = STEME_RECORD_EVENT;
    if (kp != NULL)
        e->agent = fx_pub(kp);
    e->at = FX_TIME;
    e->type = type;
    e->source = steme_str_c("src:0");
    e->title = steme_str_c("A source");
    e->url = steme_str_c("https://example.org/source");
    e->tier = STEME_TIER_REGULATORY;
    e->weight = 900000;
    e->epoch = steme_str_c("epoch-2024");
    e->successor = steme_str_c("epoch-2025");
    e->subject = steme_str_c("s:0");
    e->predicate = steme_str_c("p");
    e->value.type = STEME_VALUE_INTEGER;
    e->value.integer = 1;
    e->display_name = steme_str_c("Agent");
    e->role = steme_str_c("reviewer");
    e->decision = STEME_DECISION_APPROVE;
    e->reason = steme_str_c("because");
}

void
fx_sign(fx_rec *out, const steme_record *rec, const steme_keypair *kp)
{
    steme_errinfo ei = {0};
    steme_err err = steme_record_sign(rec, kp, out->bytes, sizeof(out->bytes), &out->len, &out->id,
                                      &out->sig, &ei);
    if (err != STEME_OK)
        fail_msg("steme_record_sign: %d %s %s", err, ei.field ? ei.field : "",
                 ei.rule ? ei.rule : "");
}

void
fx_encode(fx_rec *out, const steme_record *rec)
{
    steme_errinfo ei = {0};
    steme_err err = steme_record_encode(rec, out->bytes, sizeof(out->bytes), &out->len, &ei);
    if (err != STEME_OK)
        fail_msg("steme_record_encode: %d %s %s", err, ei.field ? ei.field : "",
                 ei.rule ? ei.rule : "");
    steme_record_id(out->bytes, out->len, &out->id);
    memset(&out->sig, 0, sizeof(out->sig));
}

steme_signed
fx_signed(const fx_rec *r)
{
    steme_signed s = {.bytes = r->bytes, .len = r->len, .sig = r->sig};
    return s;
}

void
fx_numbered(fx_rec *out, const steme_keypair *kp, unsigned n, unsigned subjects)
{
    char subject[32], source[32];
    steme_record rec;

    snprintf(subject, sizeof(subject), "s:%u", subjects ? n % subjects : n);
    snprintf(source, sizeof(source), "src:%u", n % 3);
    fx_assertion(&rec, kp, subject, "p", source, (int64_t)n);
    fx_sign(out, &rec, kp);
}
