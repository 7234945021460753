/* SPDX-License-Identifier: MIT */
/*
 * test_ratelimit.c -- per-agent ingest defences (docs/trust.md, "Rate limits and the circuit
 * breaker"): the token bucket refuses with field "agent" and rule "rate limit exceeded", in the
 * batch's order; the breaker opens after N refusals within the window and closes when it ends;
 * every refusal of a signed record counts against its agent, forged ones never do; the table
 * stays bounded and keeps open breakers under a flood of new keys; concurrent writers share
 * one bucket; and control characters and invalid UTF-8 are refused before any of this.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ratelimit.h"
#include "trust_fixture.h"

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void
assert_refused(const steme_ingest_result *res, const char *field, const char *rule)
{
    assert_int_equal(res->err, STEME_EINVAL);
    assert_non_null(res->info.field);
    assert_string_equal(res->info.field, field);
    assert_string_equal(res->info.rule, rule);
}

/* A distinct signed assertion by kp. */
static void
make(fx_rec *out, const steme_keypair *kp)
{
    steme_record rec;
    fx_assertion(&rec, kp, "drug:x", "p", "src", 1);
    rec.assertion.asserted_at = tf_time();
    fx_sign(out, &rec, kp);
}

static uint64_t
rejections(steme_db *db, const steme_keypair *kp)
{
    return tf_agent(db, kp, 0).rejections;
}

/* ---------------------------------------------------------------------------------------------
 * Through the database
 */

static void
test_bucket(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *admin = fx_key(1), *a = fx_key(2), *b = fx_key(3);
    steme_db_options o;
    steme_db_options_init(&o);
    o.rate_per_agent = 20; /* one token every 50 ms */
    o.rate_burst = 3;
    steme_db *db = tf_open(dir, admin, &o);
    fx_rec recs[6];
    steme_signed in[6];
    steme_ingest_result res[6];

    /* One batch: a's first three pass, its next two are refused; b has its own bucket. */
    for (int i = 0; i < 5; i++)
        make(&recs[i], a);
    make(&recs[5], b);
    for (int i = 0; i < 6; i++)
        in[i] = fx_signed(&recs[i]);
    assert_int_equal(steme_db_ingest(db, in, 6, res, 0), STEME_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(res[i].err, STEME_OK);
    assert_refused(&res[3], "agent", "rate limit exceeded");
    assert_refused(&res[4], "agent", "rate limit exceeded");
    assert_int_equal(res[5].err, STEME_OK);
    assert_int_equal(tf_agent(db, a, 0).assertions, 3);
    assert_int_equal(rejections(db, a), 2);
    assert_int_equal(rejections(db, b), 0);

    /* An atomic batch with a refused record stores nothing. */
    make(&recs[0], a);
    in[0] = fx_signed(&recs[0]);
    assert_int_equal(steme_db_ingest(db, in, 1, res, STEME_INGEST_ATOMIC), STEME_EINVAL);
    assert_refused(&res[0], "agent", "rate limit exceeded");

    /* The bucket refills at the rate. */
    sleep_ms(120);
    make(&recs[0], a);
    in[0] = fx_signed(&recs[0]);
    assert_int_equal(steme_db_ingest(db, in, 1, res, 0), STEME_OK);
    assert_int_equal(res[0].err, STEME_OK);

    steme_db_close(db);
    steme_keypair_free(admin);
    steme_keypair_free(a);
    steme_keypair_free(b);
    fx_rmdir(dir);
}

static void
test_breaker(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *admin = fx_key(1), *a = fx_key(2), *b = fx_key(3);
    steme_db_options o;
    steme_db_options_init(&o);
    o.breaker_rejections = 3;
    o.breaker_window_ms = 500;
    steme_db *db = tf_open(dir, admin, &o);
    steme_id unknown;
    steme_record rec;
    steme_ingest_result res;
    fx_rec r;

    /* Forged records naming a (bad signatures) never count against a. */
    for (int i = 0; i < 5; i++) {
        make(&r, a);
        r.sig.b[0] ^= 1;
        steme_signed in = fx_signed(&r);
        assert_int_equal(steme_db_ingest(db, &in, 1, &res, 0), STEME_OK);
        assert_int_equal(res.err, STEME_ESIG);
    }
    assert_int_equal(rejections(db, a), 0);

    /* Three refusals by any rule: two votes on unknown ids (the rules), one clock refusal. */
    memset(&unknown, 0xab, sizeof(unknown));
    for (int i = 0; i < 2; i++) {
        fx_vote(&rec, a, &unknown, +1);
        rec.vote.voted_at = tf_time();
        res = tf_ingest(db, &rec, a);
        assert_refused(&res, "target", "no such assertion");
    }
    assert_int_equal(rejections(db, a), 2);
    fx_assertion(&rec, a, "drug:x", "p", "src", 1);
    rec.assertion.asserted_at = steme_now_ms() + 3600000;
    res = tf_ingest(db, &rec, a);
    assert_refused(&res, "asserted_at", "in the future beyond the allowed clock skew");
    int64_t opened = steme__ratelimit_now();

    /* Open: a's valid records are refused, b's are not. */
    fx_assertion(&rec, a, "drug:x", "p", "src", 1);
    rec.assertion.asserted_at = tf_time();
    res = tf_ingest(db, &rec, a);
    assert_refused(&res, "agent", "circuit breaker open after repeated refusals");
    assert_int_equal(rejections(db, a), 4);
    make(&r, b);
    steme_signed in = fx_signed(&r);
    assert_int_equal(steme_db_ingest(db, &in, 1, &res, 0), STEME_OK);
    assert_int_equal(res.err, STEME_OK);

    /* Closed again once the window has passed (retries while open did not extend it). */
    int64_t left = opened + 550 - steme__ratelimit_now();
    sleep_ms(left > 0 ? left : 0);
    rec.assertion.asserted_at = tf_time();
    res = tf_ingest(db, &rec, a);
    assert_int_equal(res.err, STEME_OK);
    assert_int_equal(rejections(db, a), 4);

    steme_db_close(db);
    steme_keypair_free(admin);
    steme_keypair_free(a);
    steme_keypair_free(b);
    fx_rmdir(dir);
}

/* Rate-limit refusals count toward the breaker: hammering past the rate shuts an agent out. */
static void
test_rate_trips_breaker(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *admin = fx_key(1), *a = fx_key(2);
    steme_db_options o;
    steme_db_options_init(&o);
    o.rate_per_agent = 1;
    o.rate_burst = 1;
    o.breaker_rejections = 2;
    o.breaker_window_ms = 60000;
    steme_db *db = tf_open(dir, admin, &o);
    fx_rec recs[4];
    steme_signed in[4];
    steme_ingest_result res[4];

    for (int i = 0; i < 4; i++) {
        make(&recs[i], a);
        in[i] = fx_signed(&recs[i]);
    }
    assert_int_equal(steme_db_ingest(db, in, 4, res, 0), STEME_OK);
    assert_int_equal(res[0].err, STEME_OK);
    assert_refused(&res[1], "agent", "rate limit exceeded");
    assert_refused(&res[2], "agent", "rate limit exceeded");
    assert_refused(&res[3], "agent", "circuit breaker open after repeated refusals");
    assert_int_equal(rejections(db, a), 3);

    steme_db_close(db);
    steme_keypair_free(admin);
    steme_keypair_free(a);
    fx_rmdir(dir);
}

typedef struct writer {
    steme_db *db;
    const steme_keypair *kp;
    int id;
    int accepted;
    int refused;
} writer;

static void *
write_many(void *arg)
{
    writer *w = arg;
    for (int i = 0; i < 50; i++) {
        fx_rec r;
        steme_record rec;
        steme_ingest_result res;

        fx_assertion(&rec, w->kp, "drug:t", "p", "src", i);
        rec.assertion.asserted_at = FX_TIME + w->id * 1000 + i;
        fx_sign(&r, &rec, w->kp);
        steme_signed in = fx_signed(&r);
        if (steme_db_ingest(w->db, &in, 1, &res, 0) != STEME_OK)
            continue;
        if (res.err == STEME_OK)
            w->accepted++;
        else
            w->refused++;
    }
    return NULL;
}

/* Concurrent writers of one agent share its bucket: no more than the burst gets through. */
static void
test_concurrent(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *admin = fx_key(1), *a = fx_key(2);
    steme_db_options o;
    steme_db_options_init(&o);
    o.rate_per_agent = 1;
    o.rate_burst = 10;
    steme_db *db = tf_open(dir, admin, &o);
    writer w[4];
    pthread_t th[4];
    int64_t t0 = steme__ratelimit_now();

    for (int i = 0; i < 4; i++) {
        w[i] = (writer){db, a, i, 0, 0};
        assert_int_equal(pthread_create(&th[i], NULL, write_many, &w[i]), 0);
    }
    int accepted = 0, refused = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        accepted += w[i].accepted;
        refused += w[i].refused;
    }
    int64_t secs = (steme__ratelimit_now() - t0) / 1000 + 1;
    assert_int_equal(accepted + refused, 200);
    assert_true(accepted >= 10 && accepted <= 10 + secs);
    assert_int_equal(rejections(db, a), (uint64_t)refused);

    steme_db_close(db);
    steme_keypair_free(admin);
    steme_keypair_free(a);
    fx_rmdir(dir);
}

/* ---------------------------------------------------------------------------------------------
 * The limiter itself, on a clock the test controls
 */

static steme_pubkey
key_n(uint32_t n)
{
    steme_pubkey pk;
    memset(&pk, 0, sizeof(pk));
    memcpy(pk.b, &n, sizeof(n));
    return pk;
}

static void
test_clock(void **state)
{
    (void)state;
    steme_db_options o;
    steme__ratelimit *rl;
    steme_errinfo ei;
    steme_pubkey x = key_n(1);

    steme_db_options_init(&o);
    o.rate_per_agent = 2; /* a token per 500 ms; burst defaults to 20 */
    o.breaker_rejections = 3;
    o.breaker_window_ms = 1000;
    assert_int_equal(steme__ratelimit_new(&o, &rl), STEME_OK);

    for (int i = 0; i < 20; i++)
        assert_int_equal(steme__ratelimit_admit(rl, &x, 1000, &ei), STEME_OK);
    assert_int_equal(steme__ratelimit_admit(rl, &x, 1000, &ei), STEME_EINVAL);
    assert_string_equal(ei.rule, STEME__RATE_RULE);
    assert_int_equal(steme__ratelimit_admit(rl, &x, 1499, &ei), STEME_EINVAL); /* 0.998 */
    assert_int_equal(steme__ratelimit_admit(rl, &x, 1600, &ei), STEME_OK);
    assert_int_equal(steme__ratelimit_rejections(rl, &x), 2);

    /* Two refusals, then a quiet window: the count starts again. */
    steme_pubkey y = key_n(2);
    steme__ratelimit_refused(rl, &y, 0);
    steme__ratelimit_refused(rl, &y, 500);
    steme__ratelimit_refused(rl, &y, 1000); /* a new window starts at 1000 */
    assert_int_equal(steme__ratelimit_admit(rl, &y, 1001, &ei), STEME_OK);
    steme__ratelimit_refused(rl, &y, 1100);
    steme__ratelimit_refused(rl, &y, 1200); /* the third in [1000, 2000): opens until 2200 */
    assert_int_equal(steme__ratelimit_admit(rl, &y, 2199, &ei), STEME_EINVAL);
    assert_string_equal(ei.field, "agent");
    assert_string_equal(ei.rule, STEME__BREAKER_RULE);
    assert_int_equal(steme__ratelimit_admit(rl, &y, 2200, &ei), STEME_OK);
    assert_int_equal(steme__ratelimit_rejections(rl, &y), 6);

    /* Bounded: a flood of new keys evicts idle agents, never an open breaker. */
    steme_pubkey z = key_n(3);
    for (int i = 0; i < 3; i++)
        steme__ratelimit_refused(rl, &z, 3000);
    for (uint32_t n = 100; n < 100000; n++) {
        steme_pubkey k = key_n(n);
        (void)steme__ratelimit_admit(rl, &k, 3001, &ei);
    }
    assert_int_equal(steme__ratelimit_admit(rl, &z, 3002, &ei), STEME_EINVAL);
    assert_string_equal(ei.rule, STEME__BREAKER_RULE);
    assert_int_equal(steme__ratelimit_rejections(rl, &x), 0); /* evicted, documented */
    steme__ratelimit_free(rl);

    /* No limits: everything passes, refusals are still counted. */
    steme_db_options_init(&o);
    assert_int_equal(steme__ratelimit_new(&o, &rl), STEME_OK);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(steme__ratelimit_admit(rl, &x, 0, &ei), STEME_OK);
    steme__ratelimit_refused(rl, &x, 0);
    assert_int_equal(steme__ratelimit_rejections(rl, &x), 1);
    steme__ratelimit_free(rl);
    steme__ratelimit_free(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * Bytes the codec refuses before any defence runs
 */

/* Sign bytes as they are (the encoder would refuse them). */
static steme_ingest_result
ingest_raw(steme_db *db, const steme_keypair *kp, const uint8_t *bytes, size_t len)
{
    steme_ingest_result res;
    steme_id id;
    steme_signed in = {.bytes = bytes, .len = len};

    steme_record_id(bytes, len, &id);
    steme_keypair_sign(kp, &id, &in.sig);
    assert_int_equal(steme_db_ingest(db, &in, 1, &res, 0), STEME_OK);
    return res;
}

/* The assertion's bytes with the first "QQQQ" replaced by patch. */
static void
patched(fx_rec *r, const steme_keypair *kp, const char *field, const char *patch)
{
    steme_record rec;
    fx_assertion(&rec, kp, "drug:x", "p", "src", 1);
    rec.assertion.asserted_at = tf_time();
    if (strcmp(field, "subject") == 0) {
        rec.assertion.subject = steme_str_c("drug:QQQQ");
    } else if (strcmp(field, "evidence.quote") == 0) {
        rec.assertion.evidence_quote = steme_str_c("QQQQ");
    } else {
        rec.assertion.object.type = STEME_VALUE_STRING;
        rec.assertion.object.str = steme_str_c("QQQQ");
    }
    fx_sign(r, &rec, kp);
    uint8_t *at = memmem(r->bytes, r->len, "QQQQ", 4);
    assert_non_null(at);
    memcpy(at, patch, 4);
}

static void
test_codec_refusals(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_keypair *admin = fx_key(1), *a = fx_key(2);
    steme_db *db = tf_open(dir, admin, NULL);
    static const struct {
        const char *field, *patch, *rule;
    } cases[] = {
        {"subject", "\x01QQQ", "contains a control character"},
        {"subject", "\x7fQQQ", "contains a control character"},
        {"subject", "Q\nQQ", "contains a control character"},
        {"subject", "\xffQQQ", "invalid UTF-8"},
        {"evidence.quote", "\x1bQQQ", "contains a control character"},
        {"evidence.quote", "\xc0\xafQQ", "invalid UTF-8"},    /* overlong '/' */
        {"evidence.quote", "\xed\xa0\x80Q", "invalid UTF-8"}, /* a surrogate */
        {"object.value", "QQ\x00Q", "contains a control character"},
        {"object.value", "Q\xe2\x82Q", "invalid UTF-8"}, /* truncated sequence */
    };
    fx_rec r;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        patched(&r, a, cases[i].field, cases[i].patch);
        steme_ingest_result res = ingest_raw(db, a, r.bytes, r.len);
        assert_refused(&res, cases[i].field, cases[i].rule);
    }
    /* Text fields allow a newline and a tab. */
    patched(&r, a, "evidence.quote", "Q\n\tQ");
    assert_int_equal(ingest_raw(db, a, r.bytes, r.len).err, STEME_OK);
    /* Undecodable records name no agent: nothing to count. */
    assert_int_equal(rejections(db, a), 0);

    steme_db_close(db);
    steme_keypair_free(admin);
    steme_keypair_free(a);
    fx_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_rate_trips_breaker),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_codec_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
