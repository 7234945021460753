/* SPDX-License-Identifier: MIT */
/*
 * test_shutdown.c -- SIGTERM under load loses no acknowledged write.
 *
 * Several threads ingest batches of signed assertions through POST /v1/records, each remembering
 * the ids of every batch the server acknowledged with 200; the test sends SIGTERM while they
 * run. The server must exit 0, and the store, opened directly with libsteme afterwards, must
 * hold every acknowledged id and pass steme_db_check without a problem. Requests that were
 * refused or cut off by the shutdown are not acknowledged and may or may not be there (each
 * batch is all-or-nothing, which the test also checks: a batch is either wholly present or
 * wholly absent).
 *
 * Three ways the writes are run (docs/server.md, "Writes wait off the HTTP threads"): on the
 * write pool (the default), on the HTTP threads (STEMEDB_WRITE_THREADS=0), and on a pool of one
 * thread behind one HTTP thread, so that writes are still queued when SIGTERM arrives and the
 * pool must answer every one it took before the store closes.
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

#define THREADS 4
#define BATCH   16
#define MAX_IDS 200000

typedef struct batch_ids {
    steme_id id[BATCH];
} batch_ids;

typedef struct worker {
    it_server *s;
    const char *token;
    steme_keypair *kp;
    unsigned n;
    batch_ids *acked; /* acknowledged batches */
    size_t nacked;
    batch_ids *unacked; /* sent but not acknowledged (refused or cut off) */
    size_t nunacked;
    char error[512]; /* the first unexpected answer before SIGTERM */
} worker;

static atomic_bool term_sent;
static atomic_bool stop_now;
static atomic_size_t total_acked;
static atomic_size_t acked_after_term;

static void *
work(void *arg)
{
    worker *w = arg;
    char subject[64], source[32];
    snprintf(source, sizeof(source), "src:shutdown:%u", w->n);
    w->acked = calloc(MAX_IDS / BATCH, sizeof(batch_ids));
    w->unacked = calloc(64, sizeof(batch_ids));
    if (!w->acked || !w->unacked) {
        snprintf(w->error, sizeof(w->error), "out of memory");
        return NULL;
    }
    for (unsigned b = 0; !atomic_load(&stop_now) && w->nacked < MAX_IDS / BATCH; b++) {
        batch_ids ids;
        json_t *items = json_array();
        for (unsigned i = 0; i < BATCH; i++) {
            steme_record rec;
            unsigned k = b * BATCH + i;
            snprintf(subject, sizeof(subject), "shutdown:%u:%u", w->n, k % 97);
            fx_assertion(&rec, w->kp, subject, "p", source, (int64_t)k);
            rec.assertion.asserted_at = FX_TIME + k;
            json_array_append_new(items, it_signed_item(&rec, w->kp, &ids.id[i]));
        }
        bool before = !atomic_load(&term_sent);
        it_resp *r =
            it_post_json(w->s, w->token, "/v1/records", json_pack("{s:o}", "records", items));
        if (r->code == CURLE_OK && r->status == 200) {
            w->acked[w->nacked++] = ids;
            atomic_fetch_add(&total_acked, BATCH);
            if (!before)
                atomic_fetch_add(&acked_after_term, BATCH);
        } else {
            if (w->nunacked < 64)
                w->unacked[w->nunacked++] = ids;
            if (!atomic_load(&term_sent) && !w->error[0]) {
                snprintf(w->error, sizeof(w->error), "before SIGTERM: curl %d, HTTP %ld: %.300s",
                         (int)r->code, r->status, r->body);
            }
            it_resp_free(r);
            break; /* the server is going away (or something is wrong) */
        }
        it_resp_free(r);
    }
    return NULL;
}

static void
sigterm_under_load(it_server *s, const char *const *env)
{
    it_opts o = {.env = env};
    it_start(s, &o);
    const char *token = it_key(s, "writer", NULL, NULL);

    /* Is the ingest route there yet? */
    {
        steme_keypair *kp = fx_key(200);
        steme_record rec;
        steme_id id;
        fx_assertion(&rec, kp, "shutdown:probe", "p", "src:probe", 1);
        json_t *items = json_pack("[o]", it_signed_item(&rec, kp, &id));
        it_resp *r = it_post_json(s, token, "/v1/records", json_pack("{s:o}", "records", items));
        steme_keypair_free(kp);
        it_expect(r, 200);
        it_resp_free(r);
    }

    worker w[THREADS];
    pthread_t th[THREADS];
    memset(w, 0, sizeof(w));
    atomic_store(&term_sent, false);
    atomic_store(&stop_now, false);
    atomic_store(&total_acked, 0);
    atomic_store(&acked_after_term, 0);
    for (unsigned i = 0; i < THREADS; i++) {
        w[i].s = s;
        w[i].token = token;
        w[i].kp = fx_key((uint8_t)(i + 1));
        w[i].n = i;
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    /* Let the load build up, then SIGTERM in the middle of it. */
    long long until = it_now_ms() + 5000;
    while (atomic_load(&total_acked) < 40 * BATCH && it_now_ms() < until)
        it_sleep_ms(5);
    atomic_store(&term_sent, true);
    it_signal_term(s);
    int code = it_wait_exit(s, 60000);
    atomic_store(&stop_now, true);
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(code, 0);

    size_t acked = 0;
    for (unsigned i = 0; i < THREADS; i++) {
        if (w[i].error[0])
            fail_msg("worker %u: %s", i, w[i].error);
        acked += w[i].nacked * BATCH;
    }
    print_message("acknowledged %zu records, %zu of them after SIGTERM was sent\n", acked,
                  (size_t)atomic_load(&acked_after_term));
    assert_true(acked >= BATCH);

    /* Every acknowledged record is in the store, and the store is sound. */
    steme_db_options opts;
    steme_db_options_init(&opts);
    opts.create = false;
    opts.verify_threads = 1;
    steme_db *db = NULL;
    assert_int_equal(steme_db_open(s->data_dir, &opts, &db), STEME_OK);
    for (unsigned i = 0; i < THREADS; i++) {
        for (size_t b = 0; b < w[i].nacked; b++)
            for (unsigned k = 0; k < BATCH; k++) {
                steme_entry *e = NULL;
                steme_err err = steme_db_get(db, &w[i].acked[b].id[k], 0, &e);
                if (err != STEME_OK) {
                    char hex[2 * STEME_ID_SIZE + 1];
                    steme_hex(w[i].acked[b].id[k].b, STEME_ID_SIZE, hex);
                    fail_msg("acknowledged record %s (worker %u, batch %zu) is missing: %s", hex, i,
                             b, steme_strerror(err));
                }
                steme_entry_free(e);
            }
        /* A batch that was not acknowledged is all there or not at all. */
        for (size_t b = 0; b < w[i].nunacked; b++) {
            unsigned present = 0;
            for (unsigned k = 0; k < BATCH; k++) {
                steme_entry *e = NULL;
                if (steme_db_get(db, &w[i].unacked[b].id[k], 0, &e) == STEME_OK)
                    present++;
                steme_entry_free(e);
            }
            if (present != 0 && present != BATCH)
                fail_msg("worker %u: an unacknowledged batch is partly stored (%u of %d)", i,
                         present, BATCH);
        }
    }
    steme_check_report rep;
    assert_int_equal(steme_db_check(db, &rep, NULL, NULL), STEME_OK);
    assert_int_equal(rep.problems, 0);
    assert_true(rep.records >= acked);
    steme_db_close(db);

    for (unsigned i = 0; i < THREADS; i++) {
        steme_keypair_free(w[i].kp);
        free(w[i].acked);
        free(w[i].unacked);
    }
}

static void
test_sigterm_under_load(void **state)
{
    sigterm_under_load(*state, NULL);
}

static void
test_sigterm_writes_inline(void **state)
{
    static const char *const env[] = {"STEMEDB_WRITE_THREADS=0", NULL};
    sigterm_under_load(*state, env);
}

static void
test_sigterm_writes_queued(void **state)
{
    static const char *const env[] = {"STEMEDB_WRITE_THREADS=1", "STEMEDB_THREADS=1", NULL};
    sigterm_under_load(*state, env);
}

/* A restart on the same store after a graceful stop serves what was written before. */
static void
test_restart_keeps_data(void **state)
{
    it_server *s = *state;
    it_start(s, NULL);
    char admin[STEME_APIKEY_TOKEN_LEN + 1];
    snprintf(admin, sizeof(admin), "%s", s->admin);
    char id[17];
    const char *reader = it_key(s, "reader", "survivor", id);
    char tok[STEME_APIKEY_TOKEN_LEN + 1];
    snprintf(tok, sizeof(tok), "%s", reader);
    it_stop(s);

    /* Start again on the same directory: the key file exists and is read, not recreated. */
    it_server again;
    memset(&again, 0, sizeof(again));
    it_opts o = {.reuse_dir = s->dir};
    it_start(&again, &o);
    assert_string_equal(again.admin, admin);
    it_remember_token(&again, tok);
    it_resp *r = it_get(&again, tok, "/v1/stats");
    it_expect(r, 200);
    it_resp_free(r);
    r = it_get(&again, admin, "/v1/admin/keys");
    it_expect(r, 200);
    bool found = false;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(r->json, "keys"), i, k)
    {
        found |= strcmp(json_string_value(json_object_get(k, "id")), id) == 0;
    }
    assert_true(found);
    it_resp_free(r);
    it_stop(&again);
    it_cleanup(&again);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigterm_under_load, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_writes_inline, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sigterm_writes_queued, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_data, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
