/* SPDX-License-Identifier: MIT */
/*
 * test_writes.c -- a write waiting for its commit does not hold the HTTP thread
 * (docs/server.md, "Writes wait off the HTTP threads").
 *
 * The server runs with one HTTP thread. A thread posts a batch of 10,000 signed assertions;
 * meanwhile the test reads /metrics until it shows that write running on the write pool, then
 * asks /v1/health and /v1/stats. With the write on the HTTP thread none of these could be
 * answered before the write's own answer: the metric itself is the proof, since only a free
 * HTTP thread can serve it. The write must then be answered 200 with every record stored, and
 * the queue and running gauges must fall back to 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "store_fixture.h"

#define RECORDS 10000

typedef struct poster {
    it_server *s;
    const char *token;
    json_t *body;
    long status;
    atomic_bool done;
} poster;

static void *
post_batch(void *arg)
{
    poster *p = arg;
    it_resp *r = it_post_json(p->s, p->token, "/v1/records", p->body);
    p->status = r->code == CURLE_OK ? r->status : -1;
    it_resp_free(r);
    atomic_store(&p->done, true);
    return NULL;
}

/* The value of an unlabelled metric, or -1 when the page does not have it. */
static double
metric(const it_resp *r, const char *name)
{
    char pat[96];
    snprintf(pat, sizeof pat, "\n%s ", name);
    const char *at = strstr(r->body, pat);
    return at ? strtod(at + strlen(pat), NULL) : -1;
}

static void
test_reads_while_a_write_commits(void **state)
{
    it_server *s = *state;
    static const char *const env[] = {"STEMEDB_THREADS=1", "STEMEDB_WRITE_THREADS=2", NULL};
    it_opts o = {.env = env};
    it_start(s, &o);
    const char *writer = it_key(s, "writer", NULL, NULL);
    const char *reader = it_key(s, "reader", NULL, NULL);

    steme_keypair *kp = fx_key(7);
    json_t *items = json_array();
    for (unsigned i = 0; i < RECORDS; i++) {
        steme_record rec;
        char subject[48];
        snprintf(subject, sizeof subject, "writes:%u", i % 300);
        fx_assertion(&rec, kp, subject, "p", "src:writes", (int64_t)i);
        rec.assertion.asserted_at = FX_TIME + i;
        json_array_append_new(items, it_signed_item(&rec, kp, NULL));
    }
    poster p = {.s = s, .token = writer, .body = json_pack("{s:o}", "records", items)};
    atomic_init(&p.done, false);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, post_batch, &p), 0);

    /* Until the write shows as running (or has already been answered: then the batch was too
     * quick to observe, which the assertion after the loop reports). */
    bool seen = false;
    long long until = it_now_ms() + 60000;
    while (!seen && !atomic_load(&p.done) && it_now_ms() < until) {
        it_resp *r = it_get(s, reader, "/metrics");
        it_expect(r, 200);
        seen = metric(r, "stemedb_write_running") == 1;
        it_resp_free(r);
        if (!seen)
            it_sleep_ms(2);
    }
    if (seen) {
        /* The HTTP thread is free: other reads are answered while the write is still running. */
        it_resp *r = it_get(s, NULL, "/v1/health");
        it_expect(r, 200);
        it_resp_free(r);
        r = it_get(s, reader, "/v1/stats");
        it_expect(r, 200);
        it_resp_free(r);
    }
    pthread_join(th, NULL);
    print_message("the write was seen running: %s\n", seen ? "yes" : "no");
    assert_true(seen);
    assert_int_equal(p.status, 200);

    it_resp *r = it_get(s, reader, "/v1/stats");
    it_expect(r, 200);
    assert_true(json_integer_value(json_object_get(r->json, "records")) >= RECORDS);
    it_resp_free(r);
    r = it_get(s, reader, "/metrics");
    assert_true(metric(r, "stemedb_write_running") == 0);
    assert_true(metric(r, "stemedb_write_queue") == 0);
    it_resp_free(r);
    steme_keypair_free(kp);
    it_stop(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reads_while_a_write_commits, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
