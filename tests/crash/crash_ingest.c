/* SPDX-License-Identifier: MIT */
/*
 * crash_ingest.c -- kill -9 during ingest, then reopen and check (SQLite-style crash test).
 *
 * Each round forks a child that opens the store and ingests deterministically generated,
 * signed records in small batches (with some duplicates), writing each id to a pipe only
 * after steme_db_ingest returned it as stored. The parent SIGKILLs the child at a random
 * moment, reopens the store and checks that
 *   - every acknowledged id is present,
 *   - steme_db_check reports no problem,
 *   - every stored record is byte for byte one the generator makes (nothing partial, nothing
 *     foreign), and
 *   - `$STEME_BIN --db DIR check` (the CLI) agrees, when STEME_BIN is set.
 *
 * Usage: crash_ingest [ROUNDS]  (default $STEME_CRASH_ROUNDS, else 50; $STEME_CRASH_SEED
 * replays a run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store_fixture.h"

#define KEYS         4
#define ROUND_STRIDE 1000000u /* record numbers of round r start at r * ROUND_STRIDE */

static unsigned rounds = 50;
static uint64_t rng_state;
static steme_keypair *keys[KEYS];

static uint64_t
rng(void)
{
    /* xorshift64*: reproducible from STEME_CRASH_SEED. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------------------------------
 * The generator: record k is a pure function of k.
 */

/* The plain assertion k, whose id later records refer to. */
static void
base_record(unsigned k, steme_record *rec, char *subject, char *predicate, char *source)
{
    sprintf(subject, "crash:%u", k % 50);
    sprintf(predicate, "p%u", k % 3);
    sprintf(source, "src:%u", k % 5);
    fx_assertion(rec, keys[k % KEYS], subject, predicate, source, (int64_t)k);
}

static void generate(unsigned k, fx_rec *out);

/* The id of record k exactly as generate() makes it (votes and links must name real ids). */
static void
record_id(unsigned k, steme_id *ret)
{
    fx_rec r;
    generate(k, &r);
    *ret = r.id;
}

static void
generate(unsigned k, fx_rec *out)
{
    char subject[32], predicate[32], source[32], reason[32];
    steme_record rec;
    steme_id ref;

    /* References stay inside the record's own round (start = its first number), because a
     * rule refuses votes and derived_from links to ids the store does not have, and records
     * of a round killed early may never have been stored. */
    unsigned start = k - k % ROUND_STRIDE;
    if (k % 10 == 9 && k - 1 >= start) {
        record_id(k - 1, &ref);
        fx_vote(&rec, keys[k % KEYS], &ref, k % 20 == 9 ? 1 : -1);
        sprintf(reason, "vote %u", k);
        rec.vote.reason = steme_str_c(reason);
    } else {
        base_record(k, &rec, subject, predicate, source);
        unsigned parent = (k - 1) % 10 == 9 ? k - 2 : k - 1; /* an assertion, not a vote */
        if (k % 7 == 6 && k >= start + 2) {
            record_id(parent, &ref);
            rec.assertion.derived_from = &ref;
            rec.assertion.n_derived_from = 1;
        }
    }
    fx_sign(out, &rec, keys[k % KEYS]);
}

/* The k a stored record claims to be, so that it can be generated again and compared. */
static bool
number_of(const steme_record *rec, unsigned *ret)
{
    if (rec->kind == STEME_RECORD_ASSERTION && rec->assertion.object.type == STEME_VALUE_INTEGER)
        *ret = (unsigned)rec->assertion.object.integer;
    else if (rec->kind == STEME_RECORD_VOTE && rec->vote.reason.len > 5 &&
             rec->vote.reason.len < 20 && memcmp(rec->vote.reason.ptr, "vote ", 5) == 0) {
        char num[20];
        memcpy(num, rec->vote.reason.ptr + 5, rec->vote.reason.len - 5);
        num[rec->vote.reason.len - 5] = '\0';
        *ret = (unsigned)strtoul(num, NULL, 10);
    } else
        return false;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * The child: ingest until killed.
 */

static void
write_all(int fd, const void *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        p = (const uint8_t *)p + w;
        n -= (size_t)w;
    }
}

static void
child(const char *dir, unsigned round, uint64_t seed, int fd)
{
    enum { MAX_BATCH = 8 };
    fx_rec *r = calloc(MAX_BATCH + 1, sizeof(*r));
    steme_signed in[MAX_BATCH + 1];
    steme_ingest_result res[MAX_BATCH + 1];
    unsigned k = round * ROUND_STRIDE;
    steme_db *db;

    rng_state = seed;
    if (r == NULL || steme_db_open(dir, NULL, &db) != STEME_OK)
        _exit(2);
    for (;;) {
        size_t fresh = 1 + rng() % MAX_BATCH, n = fresh;
        for (size_t i = 0; i < n; i++) {
            generate(k + (unsigned)i, &r[i]);
            in[i] = fx_signed(&r[i]);
        }
        /* Now and then a record from the previous batch again: a duplicate. */
        if (k > round * ROUND_STRIDE && rng() % 4 == 0) {
            generate(k - 1, &r[n]);
            in[n] = fx_signed(&r[n]);
            n++;
        }
        if (steme_db_ingest(db, in, n, res, 0) != STEME_OK)
            _exit(4);
        for (size_t i = 0; i < n; i++) {
            if (res[i].err != STEME_OK) {
                fprintf(stderr, "child: record %u refused: %s: %s\n", k + (unsigned)i,
                        res[i].info.field ? res[i].info.field : "-",
                        res[i].info.rule ? res[i].info.rule : steme_strerror(res[i].err));
                _exit(5);
            }
            /* 32 bytes is below PIPE_BUF: each id reaches the parent whole or not at all. */
            write_all(fd, res[i].id.b, STEME_ID_SIZE);
        }
        k += (unsigned)fresh;
    }
}

/* ---------------------------------------------------------------------------------------------
 * The parent: kill, reopen, verify.
 */

typedef struct acks {
    uint8_t *ids;
    size_t n, cap;
} acks;

static void
acks_add(acks *a, const uint8_t *id)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 1024;
        a->ids = realloc(a->ids, a->cap * STEME_ID_SIZE);
        assert_non_null(a->ids);
    }
    memcpy(a->ids + a->n * STEME_ID_SIZE, id, STEME_ID_SIZE);
    a->n++;
}

/* Run one child, read its acknowledgements, kill it after delay_ms. */
static void
run_round(const char *dir, unsigned round, unsigned delay_ms, acks *a)
{
    uint8_t buf[4096];
    size_t have = 0;
    int64_t deadline = now_ms() + delay_ms;
    bool killed = false;
    int fds[2], status;
    pid_t pid;

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        child(dir, round, rng(), fds[1]);
        _exit(0);
    }
    close(fds[1]);
    for (;;) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        int64_t left = deadline - now_ms();
        ssize_t got;

        if (!killed && left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
        }
        if (poll(&p, 1, killed ? -1 : (int)left) == 0)
            continue;
        got = read(fds[0], buf + have, sizeof(buf) - have);
        if (got < 0 && errno == EINTR)
            continue;
        assert_true(got >= 0);
        if (got == 0)
            break; /* the child is gone */
        have += (size_t)got;
        for (size_t off = 0; off + STEME_ID_SIZE <= have; off += STEME_ID_SIZE)
            acks_add(a, buf + off);
        memmove(buf, buf + have - have % STEME_ID_SIZE, have % STEME_ID_SIZE);
        have %= STEME_ID_SIZE;
    }
    close(fds[0]);
    assert_int_equal(have, 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* Killed by us: anything else (an exit code) means the child hit an error. */
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("round %u: child ended with status %d", round, status);
}

typedef struct verify_ctx {
    uint64_t seen;
    uint64_t bad;
} verify_ctx;

static int
verify_stored(const steme_entry *e, void *ctx)
{
    verify_ctx *vc = ctx;
    fx_rec want;
    unsigned k;

    vc->seen++;
    if (!number_of(&e->record, &k)) {
        vc->bad++;
        return 0;
    }
    generate(k, &want);
    if (want.len != e->len || memcmp(want.bytes, e->bytes, e->len) != 0 ||
        memcmp(want.id.b, e->id.b, STEME_ID_SIZE) != 0 ||
        memcmp(want.sig.b, e->sig.b, STEME_SIG_SIZE) != 0)
        vc->bad++;
    return 0;
}

static void
run_cli_check(const char *dir)
{
    const char *bin = getenv("STEME_BIN");
    int status;
    pid_t pid;

    if (bin == NULL || *bin == '\0' || access(bin, X_OK) != 0)
        return;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        execl(bin, bin, "--db", dir, "check", (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("%s --db %s check: status %d", bin, dir, status);
}

static void
verify(const char *dir, const acks *a, uint64_t *verified_upto, unsigned round)
{
    steme_list_options q = {.index = STEME_INDEX_LOG, .after = *verified_upto};
    steme_check_report rep;
    verify_ctx vc = {0};
    steme_stats st;
    steme_db *db;

    assert_int_equal(steme_db_open(dir, NULL, &db), STEME_OK);
    for (size_t i = 0; i < a->n; i++) {
        steme_entry *e;
        steme_err err = steme_db_get(db, (const steme_id *)(a->ids + i * STEME_ID_SIZE), 0, &e);
        if (err != STEME_OK)
            fail_msg("round %u: acknowledged record %zu of %zu is missing (%d)", round, i, a->n,
                     err);
        steme_entry_free(e);
    }
    assert_int_equal(steme_db_check(db, &rep, NULL, NULL), STEME_OK);
    if (rep.problems != 0)
        fail_msg("round %u: check found %llu problems", round, (unsigned long long)rep.problems);
    /* Records checked in earlier rounds cannot have changed (check re-hashes them); compare
     * only the new ones with the generator. */
    assert_int_equal(steme_db_list(db, &q, verify_stored, &vc), STEME_OK);
    assert_int_equal(vc.bad, 0);
    assert_int_equal(steme_db_stats(db, &st), STEME_OK);
    assert_int_equal(st.records, rep.records);
    *verified_upto = st.last_seq;
    steme_db_close(db);
}

static void
test_crash_ingest(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    acks a = {0};
    uint64_t verified_upto = 0;
    int64_t started = now_ms();

    for (unsigned round = 0; round < rounds; round++) {
        /* Mostly short lives, sometimes a longer one; the first rounds also die while the
         * store is being created. */
        unsigned delay = round < 3 ? (unsigned)(rng() % 15) : 10 + (unsigned)(rng() % 120);
        run_round(dir, round, delay, &a);
        verify(dir, &a, &verified_upto, round);
        if (round % 10 == 9 || round + 1 == rounds)
            run_cli_check(dir);
    }
    print_message("crash_ingest: %u rounds, %zu acknowledged ids, %llu records, %.1f s\n", rounds,
                  a.n, (unsigned long long)verified_upto, (double)(now_ms() - started) / 1000.0);
    assert_true(verified_upto > 0);
    free(a.ids);
    fx_rmdir(dir);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_ingest),
    };
    const char *env_rounds = getenv("STEME_CRASH_ROUNDS");
    const char *env_seed = getenv("STEME_CRASH_SEED");
    int rc;

    if (argc > 1)
        rounds = (unsigned)strtoul(argv[1], NULL, 10);
    else if (env_rounds != NULL)
        rounds = (unsigned)strtoul(env_rounds, NULL, 10);
    rng_state = env_seed != NULL ? strtoull(env_seed, NULL, 10) : (uint64_t)time(NULL);
    if (rng_state == 0)
        rng_state = 1;
    printf("crash_ingest: seed %llu (STEME_CRASH_SEED replays it)\n",
           (unsigned long long)rng_state);
    fflush(stdout);

    for (int k = 0; k < KEYS; k++)
        keys[k] = fx_key((uint8_t)(100 + k));
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    for (int k = 0; k < KEYS; k++)
        steme_keypair_free(keys[k]);
    return rc;
}
