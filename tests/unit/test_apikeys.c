/* SPDX-License-Identifier: MIT */
/*
 * test_apikeys.c -- the HTTP server's API keys and the admin log (docs/server-auth.md):
 * creating, checking, importing, listing and revoking keys; every rule of the token's shape;
 * that neither table is derived state (a rebuild keeps them, the derived-state hash ignores
 * them); that a check sees at once a key revoked by another process; that they survive a reopen,
 * that the secret is never stored, and that a store from an earlier build without the tables is
 * read as empty and upgraded on a writable open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h" /* the store under a db, for its version */
#include "rules_fixture.h"

#define TOKEN_A                                                                                    \
    "stk_0123456789abcdef.00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static steme_db *
open_db(const char *dir, bool read_only)
{
    steme_db_options opts;
    steme_db *db = NULL;
    steme_db_options_init(&opts);
    opts.verify_threads = 1;
    opts.read_only = read_only;
    assert_int_equal(steme_db_open(dir, &opts, &db), STEME_OK);
    return db;
}

static steme_apikey_info
create(steme_db *db, const char *name, steme_apikey_role role,
       char token[STEME_APIKEY_TOKEN_LEN + 1])
{
    steme_apikey_info k;
    assert_int_equal(steme_db_apikey_create(db, name, role, token, &k), STEME_OK);
    return k;
}

typedef struct collected {
    steme_apikey_info keys[16];
    size_t n;
    size_t stop_after; /* 0: never stop */
} collected;

static int
collect(const steme_apikey_info *k, void *ctx)
{
    collected *c = ctx;
    assert_true(c->n < 16);
    c->keys[c->n++] = *k;
    return c->stop_after != 0 && c->n == c->stop_after;
}

static void
test_roles(void **state)
{
    (void)state;
    steme_apikey_role r = 0;
    assert_string_equal(steme_apikey_role_name(STEME_APIKEY_ROLE_READER), "reader");
    assert_string_equal(steme_apikey_role_name(STEME_APIKEY_ROLE_WRITER), "writer");
    assert_string_equal(steme_apikey_role_name(STEME_APIKEY_ROLE_ADMIN), "admin");
    assert_string_equal(steme_apikey_role_name(0), "?");
    assert_string_equal(steme_apikey_role_name(4), "?");
    assert_int_equal(steme_apikey_role_parse("writer", &r), STEME_OK);
    assert_int_equal(r, STEME_APIKEY_ROLE_WRITER);
    assert_int_equal(steme_apikey_role_parse("Admin", &r), STEME_EINVAL);
    assert_int_equal(steme_apikey_role_parse("editor", &r), STEME_EINVAL);
    assert_int_equal(steme_apikey_role_parse("", &r), STEME_EINVAL);
    assert_int_equal(steme_apikey_role_parse(NULL, &r), STEME_EINVAL);
    assert_int_equal(r, STEME_APIKEY_ROLE_WRITER);
    assert_string_equal(steme_strerror(STEME_EDENIED), "access denied");
}

static void
test_create_check_revoke(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char tok[STEME_APIKEY_TOKEN_LEN + 1], tok2[STEME_APIKEY_TOKEN_LEN + 1];
    steme_apikey_info k, got;
    int64_t before = steme_now_ms();

    k = create(db, "ops", STEME_APIKEY_ROLE_WRITER, tok);
    assert_int_equal(strlen(tok), STEME_APIKEY_TOKEN_LEN);
    assert_memory_equal(tok, "stk_", 4);
    assert_memory_equal(tok + 4, k.id, STEME_APIKEY_ID_HEX);
    assert_int_equal(strlen(k.id), STEME_APIKEY_ID_HEX);
    assert_int_equal(tok[20], '.');
    assert_string_equal(k.name, "ops");
    assert_int_equal(k.role, STEME_APIKEY_ROLE_WRITER);
    assert_true(k.created_at >= before && k.created_at <= steme_now_ms());
    assert_int_equal(k.revoked_at, 0);

    memset(&got, 0, sizeof(got));
    assert_int_equal(steme_db_apikey_check(db, tok, &got), STEME_OK);
    assert_memory_equal(&got, &k, sizeof(k));
    assert_int_equal(steme_db_apikey_check(db, tok, NULL), STEME_OK);

    /* Two keys never share an id or a secret. */
    create(db, "ops-2", STEME_APIKEY_ROLE_ADMIN, tok2);
    assert_memory_not_equal(tok, tok2, STEME_APIKEY_TOKEN_LEN);
    assert_int_equal(steme_db_apikey_check(db, tok2, &got), STEME_OK);
    assert_int_equal(got.role, STEME_APIKEY_ROLE_ADMIN);
    assert_int_equal(steme_db_apikey_count_active(db), 2);

    /* Revoked: denied from then on; revoking again changes nothing. */
    assert_int_equal(steme_db_apikey_revoke(db, k.id), STEME_OK);
    assert_int_equal(steme_db_apikey_check(db, tok, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_check(db, tok2, NULL), STEME_OK);
    collected c = {0};
    assert_int_equal(steme_db_apikey_list(db, collect, &c), STEME_OK);
    assert_int_equal(c.n, 2);
    int64_t revoked_at =
        strcmp(c.keys[0].id, k.id) == 0 ? c.keys[0].revoked_at : c.keys[1].revoked_at;
    assert_true(revoked_at > 0);
    assert_int_equal(steme_db_apikey_revoke(db, k.id), STEME_OK);
    c.n = 0;
    assert_int_equal(steme_db_apikey_list(db, collect, &c), STEME_OK);
    assert_int_equal(strcmp(c.keys[0].id, k.id) == 0 ? c.keys[0].revoked_at : c.keys[1].revoked_at,
                     revoked_at);
    assert_int_equal(steme_db_apikey_count_active(db), 1);

    /* Unknown and malformed ids. */
    assert_int_equal(steme_db_apikey_revoke(db, "0000000000000000"), STEME_ENOTFOUND);
    assert_int_equal(steme_db_apikey_revoke(db, "nothex"), STEME_ENOTFOUND);
    assert_int_equal(steme_db_apikey_revoke(db, "0123456789ABCDEF"), STEME_ENOTFOUND);
    assert_int_equal(steme_db_apikey_revoke(db, NULL), STEME_EINVAL);
    assert_int_equal(steme_db_apikey_revoke(NULL, k.id), STEME_EINVAL);

    /* Arguments. */
    assert_int_equal(steme_db_apikey_create(db, "x", STEME_APIKEY_ROLE_READER, NULL, NULL),
                     STEME_EINVAL);
    assert_int_equal(steme_db_apikey_create(db, "x", 0, tok, NULL), STEME_EINVAL);
    assert_int_equal(steme_db_apikey_create(db, "x", 4, tok, NULL), STEME_EINVAL);
    assert_int_equal(steme_db_apikey_create(db, NULL, STEME_APIKEY_ROLE_READER, tok, NULL),
                     STEME_EINVAL);
    assert_int_equal(steme_db_apikey_check(NULL, tok2, NULL), STEME_EINVAL);
    assert_int_equal(steme_db_apikey_list(db, NULL, NULL), STEME_EINVAL);
    steme_db_close(db);
    fx_rmdir(dir);
}

static void
test_wrong_secret_denied(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char a[STEME_APIKEY_TOKEN_LEN + 1], b[STEME_APIKEY_TOKEN_LEN + 1],
        t[STEME_APIKEY_TOKEN_LEN + 1];
    steme_apikey_info got;

    create(db, "a", STEME_APIKEY_ROLE_ADMIN, a);
    create(db, "b", STEME_APIKEY_ROLE_READER, b);
    /* The right id with one secret digit changed, at either end and in the middle. */
    for (size_t at = 21; at < STEME_APIKEY_TOKEN_LEN; at += 21) {
        memcpy(t, a, sizeof(t));
        t[at] = t[at] == '0' ? '1' : '0';
        assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    }
    memcpy(t, a, sizeof(t));
    t[STEME_APIKEY_TOKEN_LEN - 1] = t[STEME_APIKEY_TOKEN_LEN - 1] == 'f' ? 'e' : 'f';
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    /* a's id with b's secret, and b's id with a's secret. */
    memcpy(t, a, 21);
    memcpy(t + 21, b + 21, STEME_APIKEY_TOKEN_LEN - 21 + 1);
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    memcpy(t, b, 21);
    memcpy(t + 21, a + 21, STEME_APIKEY_TOKEN_LEN - 21 + 1);
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    /* An unknown id with a well-formed secret. */
    assert_int_equal(steme_db_apikey_check(db, TOKEN_A, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_check(db, a, &got), STEME_OK);
    steme_db_close(db);
    fx_rmdir(dir);
}

static void
test_malformed_tokens(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char t[STEME_APIKEY_TOKEN_LEN + 8];
    steme_apikey_info got;

    assert_int_equal(strlen(TOKEN_A), STEME_APIKEY_TOKEN_LEN);
    assert_int_equal(steme_db_apikey_import(db, TOKEN_A, "a", STEME_APIKEY_ROLE_READER, NULL),
                     STEME_OK);
    assert_int_equal(steme_db_apikey_check(db, TOKEN_A, &got), STEME_OK);

    /* Each rule broken once on an otherwise valid, registered token. */
    struct {
        size_t at;
        char c;
    } edits[] = {
        {0, 'S'},  {0, 'x'},  {3, '-'},  {3, '.'}, /* prefix "stk_" */
        {4, 'A'},  {10, 'g'}, {19, ' '},           /* id: lowercase hex */
        {20, '_'}, {20, '0'},                      /* the dot */
        {21, 'F'}, {50, 'z'}, {84, 'G'},           /* secret: lowercase hex */
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        memcpy(t, TOKEN_A, STEME_APIKEY_TOKEN_LEN + 1);
        t[edits[i].at] = edits[i].c;
        assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
        assert_int_equal(steme_db_apikey_import(db, t, "m", STEME_APIKEY_ROLE_READER, NULL),
                         STEME_EINVAL);
    }
    /* Length: one short, one long, a NUL inside, empty, NULL. */
    memcpy(t, TOKEN_A, STEME_APIKEY_TOKEN_LEN + 1);
    t[STEME_APIKEY_TOKEN_LEN - 1] = '\0';
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_import(db, t, "m", STEME_APIKEY_ROLE_READER, NULL),
                     STEME_EINVAL);
    memcpy(t, TOKEN_A, STEME_APIKEY_TOKEN_LEN);
    memcpy(t + STEME_APIKEY_TOKEN_LEN, "0", 2);
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_import(db, t, "m", STEME_APIKEY_ROLE_READER, NULL),
                     STEME_EINVAL);
    memcpy(t, TOKEN_A, STEME_APIKEY_TOKEN_LEN + 1);
    t[40] = '\0';
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_check(db, "", &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_check(db, NULL, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_import(db, NULL, "m", STEME_APIKEY_ROLE_READER, NULL),
                     STEME_EINVAL);
    /* A token followed by a newline (a key file read carelessly) is not the token. */
    memcpy(t, TOKEN_A, STEME_APIKEY_TOKEN_LEN);
    memcpy(t + STEME_APIKEY_TOKEN_LEN, "\n", 2);
    assert_int_equal(steme_db_apikey_check(db, t, &got), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_count_active(db), 1);
    steme_db_close(db);
    fx_rmdir(dir);
}

static void
test_import(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    steme_apikey_info k, again, got;
    char other[] = TOKEN_A;

    assert_int_equal(steme_db_apikey_import(db, TOKEN_A, "bootstrap", STEME_APIKEY_ROLE_ADMIN, &k),
                     STEME_OK);
    assert_string_equal(k.id, "0123456789abcdef");
    assert_string_equal(k.name, "bootstrap");
    assert_int_equal(k.role, STEME_APIKEY_ROLE_ADMIN);
    assert_int_equal(steme_db_apikey_check(db, TOKEN_A, &got), STEME_OK);
    assert_memory_equal(&got, &k, sizeof(k));

    /* Idempotent: the same token and role again is the same key (its name kept). */
    assert_int_equal(
        steme_db_apikey_import(db, TOKEN_A, "bootstrap-2", STEME_APIKEY_ROLE_ADMIN, &again),
        STEME_OK);
    assert_memory_equal(&again, &k, sizeof(k));
    assert_int_equal(
        steme_db_apikey_import(db, TOKEN_A, "bootstrap", STEME_APIKEY_ROLE_ADMIN, NULL), STEME_OK);
    assert_int_equal(steme_db_apikey_count_active(db), 1);

    /* The same token with another role, or another secret under the id: taken. */
    assert_int_equal(
        steme_db_apikey_import(db, TOKEN_A, "bootstrap", STEME_APIKEY_ROLE_READER, NULL),
        STEME_EEXIST);
    other[STEME_APIKEY_TOKEN_LEN - 1] = '0';
    assert_int_equal(steme_db_apikey_import(db, other, "other", STEME_APIKEY_ROLE_ADMIN, NULL),
                     STEME_EEXIST);
    assert_int_equal(steme_db_apikey_check(db, other, NULL), STEME_EDENIED);

    /* A new token under a name an active key holds: taken. */
    memcpy(other + 4, "1111111111111111", 16);
    assert_int_equal(steme_db_apikey_import(db, other, "bootstrap", STEME_APIKEY_ROLE_ADMIN, NULL),
                     STEME_EEXIST);
    assert_int_equal(steme_db_apikey_import(db, other, "second", STEME_APIKEY_ROLE_WRITER, NULL),
                     STEME_OK);
    assert_int_equal(steme_db_apikey_check(db, other, &got), STEME_OK);
    assert_int_equal(got.role, STEME_APIKEY_ROLE_WRITER);

    /* Revocation is final: importing the revoked token again does not bring it back. */
    assert_int_equal(steme_db_apikey_revoke(db, k.id), STEME_OK);
    assert_int_equal(
        steme_db_apikey_import(db, TOKEN_A, "bootstrap", STEME_APIKEY_ROLE_ADMIN, NULL),
        STEME_EEXIST);
    assert_int_equal(steme_db_apikey_check(db, TOKEN_A, NULL), STEME_EDENIED);
    steme_db_close(db);
    fx_rmdir(dir);
}

static void
test_names(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char tok[STEME_APIKEY_TOKEN_LEN + 1];
    char name[STEME_APIKEY_NAME_MAX + 2];
    steme_apikey_info k;
    static const char *const bad[] = {
        "",        " lead",      "trail ",       "tab\there",    "nl\n",
        "del\x7f", "c1\xc2\x85", "bad\xff utf8", "over\xc0\xaf", /* an overlong '/' */
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(steme_db_apikey_create(db, bad[i], STEME_APIKEY_ROLE_READER, tok, NULL),
                         STEME_EINVAL);
    memset(name, 'n', STEME_APIKEY_NAME_MAX + 1);
    name[STEME_APIKEY_NAME_MAX + 1] = '\0';
    assert_int_equal(steme_db_apikey_create(db, name, STEME_APIKEY_ROLE_READER, tok, NULL),
                     STEME_EINVAL);
    name[STEME_APIKEY_NAME_MAX] = '\0';
    k = create(db, name, STEME_APIKEY_ROLE_READER, tok);
    assert_string_equal(k.name, name);
    k = create(db, "équipe ops", STEME_APIKEY_ROLE_READER, tok);
    assert_string_equal(k.name, "équipe ops");

    /* Unique among active keys; free again once revoked. */
    assert_int_equal(steme_db_apikey_create(db, "équipe ops", STEME_APIKEY_ROLE_ADMIN, tok, NULL),
                     STEME_EEXIST);
    assert_int_equal(steme_db_apikey_revoke(db, k.id), STEME_OK);
    create(db, "équipe ops", STEME_APIKEY_ROLE_ADMIN, tok);
    assert_int_equal(steme_db_apikey_count_active(db), 2);
    steme_db_close(db);
    fx_rmdir(dir);
}

static void
test_list_order_and_count(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char tok[STEME_APIKEY_TOKEN_LEN + 1];
    steme_apikey_info made[6];
    collected c = {0};
    size_t n = 99;

    assert_int_equal(steme_db_apikey_count(db, 0, &n), STEME_OK);
    assert_int_equal(n, 0);
    for (int i = 0; i < 6; i++) {
        char name[24];
        snprintf(name, sizeof(name), "k%d", i);
        made[i] = create(db, name, (steme_apikey_role)(1 + i % 3), tok);
    }
    assert_int_equal(steme_db_apikey_revoke(db, made[2].id), STEME_OK); /* an admin */
    assert_int_equal(steme_db_apikey_list(db, collect, &c), STEME_OK);
    assert_int_equal(c.n, 6);
    for (size_t i = 1; i < c.n; i++)
        assert_true(strcmp(c.keys[i - 1].id, c.keys[i].id) < 0);
    for (int i = 0; i < 6; i++) {
        bool seen = false;
        for (size_t j = 0; j < c.n; j++) {
            if (strcmp(c.keys[j].id, made[i].id) == 0) {
                seen = true;
                assert_string_equal(c.keys[j].name, made[i].name);
                assert_int_equal(c.keys[j].role, made[i].role);
                assert_int_equal(c.keys[j].revoked_at != 0, i == 2);
            }
        }
        assert_true(seen);
    }
    c = (collected){.stop_after = 2};
    assert_int_equal(steme_db_apikey_list(db, collect, &c), STEME_OK);
    assert_int_equal(c.n, 2);

    assert_int_equal(steme_db_apikey_count(db, 0, &n), STEME_OK);
    assert_int_equal(n, 5);
    assert_int_equal(steme_db_apikey_count(db, STEME_APIKEY_ROLE_WRITER, &n), STEME_OK);
    assert_int_equal(n, 3);
    assert_int_equal(steme_db_apikey_count(db, STEME_APIKEY_ROLE_ADMIN, &n), STEME_OK);
    assert_int_equal(n, 1);
    assert_int_equal(steme_db_apikey_count(db, 7, &n), STEME_EINVAL);
    assert_int_equal(steme_db_apikey_count_active(db), 5);
    assert_int_equal(steme_db_apikey_count_active(NULL), 0);
    steme_db_close(db);
    fx_rmdir(dir);
}

typedef struct events {
    uint64_t n[16];
    int64_t at[16];
    char actor[16][80], action[16][80], detail[16][200];
    size_t count;
} events;

static int
collect_event(const steme_admin_event *e, void *ctx)
{
    events *ev = ctx;
    assert_true(ev->count < 16);
    ev->n[ev->count] = e->n;
    ev->at[ev->count] = e->at;
    snprintf(ev->actor[ev->count], 80, "%s", e->actor);
    snprintf(ev->action[ev->count], 80, "%s", e->action);
    snprintf(ev->detail[ev->count], 200, "%s", e->detail);
    ev->count++;
    return 0;
}

static events
read_log(steme_db *db, uint64_t from, size_t limit)
{
    events ev = {0};
    assert_int_equal(steme_db_admin_log(db, from, limit, collect_event, &ev), STEME_OK);
    return ev;
}

static void
test_admin_log(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char detail[STEME_ADMIN_DETAIL_MAX + 2];
    uint64_t n = 0;
    events ev;

    ev = read_log(db, 0, 0);
    assert_int_equal(ev.count, 0);
    for (int i = 1; i <= 5; i++) {
        char d[32];
        snprintf(d, sizeof(d), "{\"i\":%d}", i);
        assert_int_equal(
            steme_db_admin_log_append(db, i % 2 ? "cli" : "0123456789abcdef", "key.create", d, &n),
            STEME_OK);
        assert_int_equal(n, (uint64_t)i);
    }
    assert_int_equal(steme_db_admin_log_append(db, "bootstrap", "key.import", NULL, &n), STEME_OK);
    assert_int_equal(n, 6);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "note", "two\nlines\tand tab", NULL),
                     STEME_OK);

    ev = read_log(db, 0, 0);
    assert_int_equal(ev.count, 7);
    for (size_t i = 0; i < ev.count; i++) {
        assert_int_equal(ev.n[i], i + 1);
        if (i > 0)
            assert_true(ev.at[i] >= ev.at[i - 1]);
    }
    assert_string_equal(ev.actor[0], "cli");
    assert_string_equal(ev.actor[1], "0123456789abcdef");
    assert_string_equal(ev.action[0], "key.create");
    assert_string_equal(ev.detail[2], "{\"i\":3}");
    assert_string_equal(ev.actor[5], "bootstrap");
    assert_string_equal(ev.detail[5], "");
    assert_string_equal(ev.detail[6], "two\nlines\tand tab");

    ev = read_log(db, 1, 0);
    assert_int_equal(ev.count, 7);
    ev = read_log(db, 3, 0);
    assert_int_equal(ev.count, 5);
    assert_int_equal(ev.n[0], 3);
    ev = read_log(db, 0, 2);
    assert_int_equal(ev.count, 2);
    assert_int_equal(ev.n[1], 2);
    ev = read_log(db, 4, 2);
    assert_int_equal(ev.count, 2);
    assert_int_equal(ev.n[0], 4);
    assert_int_equal(ev.n[1], 5);
    ev = read_log(db, 8, 0);
    assert_int_equal(ev.count, 0);
    ev = read_log(db, UINT64_MAX, 0);
    assert_int_equal(ev.count, 0);

    /* Refused: missing or empty names, control characters, too long, a token anywhere. */
    assert_int_equal(steme_db_admin_log_append(db, NULL, "a", "", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "cli", NULL, "", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "", "a", "", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "", "", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "c\nli", "a", "", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "a\tb", "", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "a", "bell\a", NULL), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "a", "bad\xff", NULL), STEME_EINVAL);
    memset(detail, 'd', STEME_ADMIN_DETAIL_MAX + 1);
    detail[STEME_ADMIN_DETAIL_MAX + 1] = '\0';
    assert_int_equal(steme_db_admin_log_append(db, "cli", "a", detail, NULL), STEME_EINVAL);
    detail[STEME_ADMIN_DETAIL_MAX] = '\0';
    assert_int_equal(steme_db_admin_log_append(db, "cli", "a", detail, &n), STEME_OK);
    assert_int_equal(n, 8);
    snprintf(detail, sizeof(detail), "{\"token\":\"%s\"}", TOKEN_A);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "key.import", detail, NULL),
                     STEME_EINVAL);
    snprintf(detail, sizeof(detail), "x%s", TOKEN_A);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "key.import", detail, NULL),
                     STEME_EINVAL);
    assert_int_equal(steme_db_admin_log(db, 0, 0, NULL, NULL), STEME_EINVAL);
    ev = read_log(db, 0, 0);
    assert_int_equal(ev.count, 8);
    steme_db_close(db);
    fx_rmdir(dir);
}

static bool
file_has(const char *path, const void *needle, size_t n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *buf = malloc((size_t)size);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    bool found = memmem(buf, (size_t)size, needle, n) != NULL;
    free(buf);
    return found;
}

static void
test_reopen_and_secret_not_stored(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char tok[STEME_APIKEY_TOKEN_LEN + 1], path[4200];
    steme_apikey_info k, got;
    collected before = {0}, after = {0};
    events ev;

    k = create(db, "persist", STEME_APIKEY_ROLE_ADMIN, tok);
    create(db, "gone", STEME_APIKEY_ROLE_READER, (char[STEME_APIKEY_TOKEN_LEN + 1]){0});
    assert_int_equal(steme_db_admin_log_append(db, "cli", "key.create", "{}", NULL), STEME_OK);
    assert_int_equal(steme_db_apikey_list(db, collect, &before), STEME_OK);
    steme_db_close(db);

    /* Neither the token nor its secret half is anywhere in the store's file; the id is. */
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    assert_false(file_has(path, tok, STEME_APIKEY_TOKEN_LEN));
    assert_false(file_has(path, tok + 21, 64));
    assert_false(file_has(path, tok + 21, 32));

    db = open_db(dir, false);
    assert_int_equal(steme_db_apikey_check(db, tok, &got), STEME_OK);
    assert_memory_equal(&got, &k, sizeof(k));
    assert_int_equal(steme_db_apikey_list(db, collect, &after), STEME_OK);
    assert_int_equal(after.n, before.n);
    assert_memory_equal(after.keys, before.keys, before.n * sizeof(before.keys[0]));
    ev = read_log(db, 0, 0);
    assert_int_equal(ev.count, 1);
    steme_db_close(db);

    /* Read-only: keys check and list, nothing can be written. */
    db = open_db(dir, true);
    assert_int_equal(steme_db_apikey_check(db, tok, NULL), STEME_OK);
    assert_int_equal(steme_db_apikey_count_active(db), 2);
    assert_int_equal(steme_db_apikey_create(db, "ro", STEME_APIKEY_ROLE_READER, tok, NULL),
                     STEME_EINVAL);
    assert_int_equal(steme_db_apikey_import(db, TOKEN_A, "ro", STEME_APIKEY_ROLE_READER, NULL),
                     STEME_EINVAL);
    assert_int_equal(steme_db_apikey_revoke(db, k.id), STEME_EINVAL);
    assert_int_equal(steme_db_admin_log_append(db, "cli", "x", "", NULL), STEME_EINVAL);
    ev = read_log(db, 0, 0);
    assert_int_equal(ev.count, 1);
    steme_db_close(db);
    fx_rmdir(dir);
}

static void
test_not_derived_state(void **state)
{
    (void)state;
    rx *x = rx_open();
    char tok[STEME_APIKEY_TOKEN_LEN + 1];
    uint8_t h0[32], h1[32], h2[32];
    steme_apikey_info k;
    events ev;

    rx_source_register(x, "fda:label", STEME_TIER_REGULATORY, 0);
    rx_assert(x, x->alice, "drug:x", "fda:label", NULL, 0, NULL);
    rx_hash(x, h0);

    k = create(x->db, "ops", STEME_APIKEY_ROLE_ADMIN, tok);
    create(x->db, "old", STEME_APIKEY_ROLE_READER, tok);
    assert_int_equal(steme_db_admin_log_append(x->db, "cli", "key.create", "{}", NULL), STEME_OK);
    rx_hash(x, h1);
    assert_memory_equal(h0, h1, sizeof(h0));

    assert_int_equal(steme_db_rebuild(x->db), STEME_OK);
    rx_hash(x, h2);
    assert_memory_equal(h0, h2, sizeof(h0));
    assert_int_equal(steme_db_apikey_count_active(x->db), 2);
    ev = read_log(x->db, 0, 0);
    assert_int_equal(ev.count, 1);
    assert_int_equal(steme_db_apikey_revoke(x->db, k.id), STEME_OK);
    rx_hash(x, h1);
    assert_memory_equal(h0, h1, sizeof(h0));
    rx_close(x);
}

static void
test_upgrade_store_without_tables(void **state)
{
    (void)state;
    rx *x = rx_open();
    char tok[STEME_APIKEY_TOKEN_LEN + 1];
    uint8_t before[32], after[32];
    collected c = {0};
    events ev;

    rx_assert(x, x->alice, "drug:x", "forum:y", NULL, 0, NULL);
    rx_hash(x, before);
    steme_db_close(x->db);
    x->db = NULL;
    static const char *const lost[] = {"apikeys", "admin_log", "audit"};
    rx_drop_tables(x->dir, lost, sizeof(lost) / sizeof(lost[0]));

    /* Read-only: not refused; the tables read as empty and every token is denied. */
    x->db = open_db(x->dir, true);
    assert_int_equal(steme_db_apikey_list(x->db, collect, &c), STEME_OK);
    assert_int_equal(c.n, 0);
    assert_int_equal(steme_db_apikey_count_active(x->db), 0);
    assert_int_equal(steme_db_apikey_check(x->db, TOKEN_A, NULL), STEME_EDENIED);
    ev = read_log(x->db, 0, 0);
    assert_int_equal(ev.count, 0);
    rx_hash(x, after);
    assert_memory_equal(before, after, sizeof(before));
    steme_db_close(x->db);

    /* Writable: the tables are created, derived state is untouched. */
    x->db = open_db(x->dir, false);
    rx_hash(x, after);
    assert_memory_equal(before, after, sizeof(before));
    create(x->db, "new", STEME_APIKEY_ROLE_ADMIN, tok);
    assert_int_equal(steme_db_apikey_check(x->db, tok, NULL), STEME_OK);
    assert_int_equal(steme_db_admin_log_append(x->db, "cli", "key.create", "{}", NULL), STEME_OK);
    steme_db_close(x->db);

    x->db = open_db(x->dir, true);
    assert_int_equal(steme_db_apikey_check(x->db, tok, NULL), STEME_OK);
    ev = read_log(x->db, 0, 0);
    assert_int_equal(ev.count, 1);
    rx_close(x);
}

/* A server checks a key on every request and keeps what it found while the store is
 * unchanged (apikeys.c). A change made by another process -- `steme key revoke`, or any
 * write -- must end that at once, as must a different store opened at the same address. */
static void
in_child(const char *dir, const char *revoke_id, bool write_record)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        steme_db *db = NULL;
        steme_db_options opts;
        steme_db_options_init(&opts);
        opts.verify_threads = 1;
        if (steme_db_open(dir, &opts, &db) != STEME_OK)
            _exit(2);
        if (revoke_id && steme_db_apikey_revoke(db, revoke_id) != STEME_OK)
            _exit(3);
        if (write_record) {
            steme_keypair *kp = fx_key(7);
            fx_rec r;
            steme_ingest_result res;
            fx_numbered(&r, kp, 1, 1);
            steme_signed in = fx_signed(&r);
            if (steme_db_ingest(db, &in, 1, &res, 0) != STEME_OK || res.err != STEME_OK)
                _exit(4);
            steme_keypair_free(kp);
        }
        steme_db_close(db);
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void
test_changes_by_another_process(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    steme_db *db = open_db(dir, false);
    char tok[STEME_APIKEY_TOKEN_LEN + 1], tok2[STEME_APIKEY_TOKEN_LEN + 1];
    steme_apikey_info k = create(db, "ops", STEME_APIKEY_ROLE_READER, tok);
    create(db, "other", STEME_APIKEY_ROLE_READER, tok2);
    uint64_t last = 0, again = 0;

    for (int i = 0; i < 3; i++) /* checked, then answered from what was found */
        assert_int_equal(steme_db_apikey_check(db, tok, NULL), STEME_OK);
    assert_int_equal(steme_db_last_seq(db, &last), STEME_OK);
    assert_int_equal(steme_db_last_seq(db, &again), STEME_OK);
    assert_int_equal(again, last);

    /* Another process writes a record: the position moves at once. */
    in_child(dir, NULL, true);
    assert_int_equal(steme_db_last_seq(db, &again), STEME_OK);
    assert_int_equal(again, last + 1);

    /* Another process revokes the key: denied at once; the other key is still good. */
    in_child(dir, k.id, false);
    assert_int_equal(steme_db_apikey_check(db, tok, NULL), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_check(db, tok2, NULL), STEME_OK);
    steme__version kept_at = steme__store_version(db->store);
    steme_db_close(db);

    /* Another store brought to the very transaction id at which tok2 was found valid: only
     * the open's instance number tells the two apart, and tok2 is not a key of this store. */
    char *dir2 = fx_tmpdir();
    db = open_db(dir2, false);
    char tok3[STEME_APIKEY_TOKEN_LEN + 1];
    assert_true(steme__store_version(db->store).txnid < kept_at.txnid);
    for (int i = 0; steme__store_version(db->store).txnid < kept_at.txnid; i++) {
        char name[24];
        assert_true(i < 1000);
        snprintf(name, sizeof name, "filler-%d", i);
        create(db, name, STEME_APIKEY_ROLE_READER, tok3);
    }
    assert_true(steme__store_version(db->store).txnid == kept_at.txnid);
    assert_int_equal(steme_db_apikey_check(db, tok2, NULL), STEME_EDENIED);
    assert_int_equal(steme_db_apikey_check(db, tok3, NULL), STEME_OK);
    steme_db_close(db);
    fx_rmdir(dir2);
    fx_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_create_check_revoke),
        cmocka_unit_test(test_changes_by_another_process),
        cmocka_unit_test(test_wrong_secret_denied),
        cmocka_unit_test(test_malformed_tokens),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_list_order_and_count),
        cmocka_unit_test(test_admin_log),
        cmocka_unit_test(test_reopen_and_secret_not_stored),
        cmocka_unit_test(test_not_derived_state),
        cmocka_unit_test(test_upgrade_store_without_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
