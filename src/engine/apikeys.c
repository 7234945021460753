/* SPDX-License-Identifier: MIT */
/*
 * apikeys.c -- the HTTP server's API keys (docs/server-auth.md): creating, importing,
 * checking, listing and revoking them in the store's apikeys table.
 *
 * A token is "stk_" + id (16 lowercase hex) + "." + secret (64 lowercase hex). The table maps
 * the 8 id bytes to a row holding BLAKE2b-256 of the whole token, never the token or the
 * secret: a copy of the store gives no one a working key. Checking a token hashes it and
 * compares the hash with the stored one in constant time; an unknown id is compared with a
 * dummy row so that it costs the same. The table is not derived state (it records what an
 * admin decided, not the log): a rebuild keeps it and the derived-state hash leaves it out.
 *
 * Row layout (big-endian), version 1:
 *   u8 version, u8 role, i64 created_at, i64 revoked_at (0 = active), hash[32], u8 name
 *   length, name bytes.
 */
#include <string.h>

#include "apikeys.h"
#include "bytes.h"
#include "crypto.h"
#include "engine.h"
#include "utf8.h"

#define ROW_VERSION  1
#define HASH_SIZE    32
#define ID_BYTES     (STEME_APIKEY_ID_HEX / 2)
#define SECRET_BYTES 32
#define SECRET_HEX   (2 * SECRET_BYTES)
#define PREFIX       "stk_"
#define PREFIX_LEN   (sizeof(PREFIX) - 1)
#define DOT_AT       (PREFIX_LEN + STEME_APIKEY_ID_HEX)
#define ROW_FIXED    (1 + 1 + 8 + 8 + HASH_SIZE + 1)
#define ROW_MAX      (ROW_FIXED + STEME_APIKEY_NAME_MAX)
/* Fresh ids that collide with a stored one before create gives up (2^-64 each). */
#define CREATE_TRIES 4

_Static_assert(PREFIX_LEN + STEME_APIKEY_ID_HEX + 1 + SECRET_HEX == STEME_APIKEY_TOKEN_LEN,
               "STEME_APIKEY_TOKEN_LEN does not match the token's parts");

typedef struct key_row {
    uint8_t role;
    int64_t created_at;
    int64_t revoked_at;
    uint8_t hash[HASH_SIZE];
    size_t name_len;
    char name[STEME_APIKEY_NAME_MAX + 1];
} key_row;

/* ---------------------------------------------------------------------------------------------
 * Roles, names and tokens
 */

static const char *const role_names[] = {
    [STEME_APIKEY_ROLE_READER] = "reader",
    [STEME_APIKEY_ROLE_WRITER] = "writer",
    [STEME_APIKEY_ROLE_ADMIN] = "admin",
};

static bool
role_valid(int r)
{
    return r >= STEME_APIKEY_ROLE_READER && r <= STEME_APIKEY_ROLE_ADMIN;
}

const char *
steme_apikey_role_name(steme_apikey_role r)
{
    return role_valid((int)r) ? role_names[r] : "?";
}

steme_err
steme_apikey_role_parse(const char *s, steme_apikey_role *ret)
{
    if (s == NULL || ret == NULL)
        return STEME_EINVAL;
    for (int r = STEME_APIKEY_ROLE_READER; r <= STEME_APIKEY_ROLE_ADMIN; r++) {
        if (strcmp(s, role_names[r]) == 0) {
            *ret = (steme_apikey_role)r;
            return STEME_OK;
        }
    }
    return STEME_EINVAL;
}

static int
lower_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly n lowercase hex digits at s into n / 2 bytes (out may be NULL: check only). The
 * lowercase rule makes the text of a token unique, and with it the hash of a token. */
static bool
lower_hex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i += 2) {
        int hi = lower_nibble(s[i]), lo = hi < 0 ? -1 : lower_nibble(s[i + 1]);
        if (lo < 0)
            return false;
        if (out != NULL)
            out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Whether the STEME_APIKEY_TOKEN_LEN bytes at s have a token's shape; the id bytes into id
 * (may be NULL). */
static bool
token_shape(const char *s, uint8_t id[ID_BYTES])
{
    return memcmp(s, PREFIX, PREFIX_LEN) == 0 &&
           lower_hex(s + PREFIX_LEN, STEME_APIKEY_ID_HEX, id) && s[DOT_AT] == '.' &&
           lower_hex(s + DOT_AT + 1, SECRET_HEX, NULL);
}

/* A NUL-terminated token of exactly the right length and shape. */
static bool
token_parse(const char *token, uint8_t id[ID_BYTES])
{
    return token != NULL && strnlen(token, STEME_APIKEY_TOKEN_LEN + 1) == STEME_APIKEY_TOKEN_LEN &&
           token_shape(token, id);
}

bool
steme__apikey_token_in(const char *s, size_t n)
{
    for (size_t i = 0; n >= STEME_APIKEY_TOKEN_LEN && i <= n - STEME_APIKEY_TOKEN_LEN; i++) {
        if (s[i] == PREFIX[0] && token_shape(s + i, NULL))
            return true;
    }
    return false;
}

bool
steme__apikey_label_valid(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max || !steme__utf8_valid(s, n) || steme__has_control(s, n, false))
        return false;
    /* C1 controls (U+0080..U+009F) are 0xC2 0x80..0x9F in UTF-8. */
    for (size_t i = 0; i + 1 < n; i++) {
        if ((uint8_t)s[i] == 0xC2 && (uint8_t)s[i + 1] < 0xA0)
            return false;
    }
    return true;
}

/* A name: a label that neither starts nor ends with a space ("ops" and "ops " would look the
 * same in a listing). */
static bool
name_valid(const char *name, size_t *ret_len)
{
    size_t n;

    if (name == NULL)
        return false;
    n = strnlen(name, STEME_APIKEY_NAME_MAX + 1);
    if (!steme__apikey_label_valid(name, n, STEME_APIKEY_NAME_MAX) || name[0] == ' ' ||
        name[n - 1] == ' ')
        return false;
    *ret_len = n;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Rows
 */

static size_t
row_encode(const key_row *r, uint8_t out[ROW_MAX])
{
    out[0] = ROW_VERSION;
    out[1] = r->role;
    steme__put_u64(out + 2, (uint64_t)r->created_at);
    steme__put_u64(out + 10, (uint64_t)r->revoked_at);
    memcpy(out + 18, r->hash, HASH_SIZE);
    out[18 + HASH_SIZE] = (uint8_t)r->name_len;
    memcpy(out + ROW_FIXED, r->name, r->name_len);
    return ROW_FIXED + r->name_len;
}

static bool
row_decode(const steme__val *v, key_row *r)
{
    const uint8_t *p = v->p;

    if (v->n < ROW_FIXED || p[0] != ROW_VERSION || !role_valid(p[1]))
        return false;
    r->name_len = p[18 + HASH_SIZE];
    if (r->name_len > STEME_APIKEY_NAME_MAX || v->n != ROW_FIXED + r->name_len)
        return false;
    r->role = p[1];
    r->created_at = (int64_t)steme__get_u64(p + 2);
    r->revoked_at = (int64_t)steme__get_u64(p + 10);
    memcpy(r->hash, p + 18, HASH_SIZE);
    memcpy(r->name, p + ROW_FIXED, r->name_len);
    r->name[r->name_len] = '\0';
    return true;
}

static void
info_of(const uint8_t id[ID_BYTES], const key_row *r, steme_apikey_info *ret)
{
    memset(ret, 0, sizeof(*ret));
    steme_hex(id, ID_BYTES, ret->id);
    memcpy(ret->name, r->name, r->name_len + 1);
    ret->role = (steme_apikey_role)r->role;
    ret->created_at = r->created_at;
    ret->revoked_at = r->revoked_at;
}

/* Call fn(id, row, ctx) for every key in id order; a malformed row or key is STEME_ECORRUPT. */
typedef int (*key_fn)(const uint8_t id[ID_BYTES], const key_row *r, void *ctx);

typedef struct walk {
    key_fn fn;
    void *ctx;
    steme_err err;
} walk;

static int
walk_one(const steme__val *key, const steme__val *val, void *ctx)
{
    walk *w = ctx;
    key_row r;

    if (key->n != ID_BYTES || !row_decode(val, &r)) {
        w->err = STEME_ECORRUPT;
        return 1;
    }
    return w->fn(key->p, &r, w->ctx);
}

static steme_err
walk_keys(steme__txn *t, key_fn fn, void *ctx)
{
    walk w = {fn, ctx, STEME_OK};
    steme_err err = steme__tscan(t, STEME__T_APIKEY, NULL, 0, walk_one, &w);
    return err != STEME_OK ? err : w.err;
}

/* ---------------------------------------------------------------------------------------------
 * Create and import
 */

typedef struct put {
    uint8_t id[ID_BYTES];
    key_row row;
    /* written by put_txn: */
    bool id_taken; /* STEME_EEXIST because of the id (existing holds its row) */
    key_row existing;
    size_t active;
    bool name_taken;
} put;

static int
census_one(const uint8_t id[ID_BYTES], const key_row *r, void *ctx)
{
    put *p = ctx;

    (void)id;
    if (r->revoked_at != 0)
        return 0;
    p->active++;
    if (r->name_len == p->row.name_len && memcmp(r->name, p->row.name, r->name_len) == 0)
        p->name_taken = true;
    return 0;
}

static steme_err
put_txn(steme__txn *t, void *ctx)
{
    put *p = ctx;
    uint8_t row[ROW_MAX];
    steme__val v;
    steme_err err;

    p->id_taken = p->name_taken = false;
    p->active = 0;
    err = steme__tget(t, STEME__T_APIKEY, p->id, ID_BYTES, &v);
    if (err == STEME_OK) {
        if (!row_decode(&v, &p->existing))
            return STEME_ECORRUPT;
        p->id_taken = true;
        return STEME_EEXIST;
    }
    if (err != STEME_ENOTFOUND)
        return err;
    /* Few keys, rarely created: a scan is simpler than a name index and as fast. */
    if ((err = walk_keys(t, census_one, p)) != STEME_OK)
        return err;
    if (p->name_taken)
        return STEME_EEXIST;
    if (p->active >= STEME_APIKEY_MAX_ACTIVE)
        return STEME_ELIMIT;
    return steme__tput(t, STEME__T_APIKEY, p->id, ID_BYTES, row, row_encode(&p->row, row));
}

/* The row of a new key for name and role (the hash is set by the caller). */
static steme_err
new_row(steme_db *db, const char *name, steme_apikey_role role, put *p)
{
    memset(p, 0, sizeof(*p));
    if (db == NULL || db->opts.read_only || !role_valid((int)role) ||
        !name_valid(name, &p->row.name_len))
        return STEME_EINVAL;
    memcpy(p->row.name, name, p->row.name_len + 1);
    p->row.role = (uint8_t)role;
    p->row.created_at = steme_now_ms();
    return STEME_OK;
}

steme_err
steme_db_apikey_create(steme_db *db, const char *name, steme_apikey_role role,
                       char token[STEME_APIKEY_TOKEN_LEN + 1], steme_apikey_info *ret)
{
    char tok[STEME_APIKEY_TOKEN_LEN + 1];
    uint8_t secret[SECRET_BYTES];
    put p;
    steme_err err;

    if (token == NULL)
        return STEME_EINVAL;
    if ((err = new_row(db, name, role, &p)) != STEME_OK)
        return err;
    for (int tries = 0; tries < CREATE_TRIES; tries++) {
        steme__random(p.id, ID_BYTES);
        steme__random(secret, SECRET_BYTES);
        memcpy(tok, PREFIX, PREFIX_LEN);
        steme_hex(p.id, ID_BYTES, tok + PREFIX_LEN);
        tok[DOT_AT] = '.';
        steme_hex(secret, SECRET_BYTES, tok + DOT_AT + 1);
        steme__hash256(tok, STEME_APIKEY_TOKEN_LEN, p.row.hash);
        err = steme__store_write(db->store, put_txn, &p);
        if (!(err == STEME_EEXIST && p.id_taken))
            break;
    }
    if (err == STEME_OK) {
        memcpy(token, tok, sizeof(tok));
        if (ret != NULL)
            info_of(p.id, &p.row, ret);
    }
    steme__memzero(secret, sizeof(secret));
    steme__memzero(tok, sizeof(tok));
    return err;
}

steme_err
steme_db_apikey_import(steme_db *db, const char *token, const char *name, steme_apikey_role role,
                       steme_apikey_info *ret)
{
    put p;
    steme_err err = new_row(db, name, role, &p);

    if (err != STEME_OK)
        return err;
    if (!token_parse(token, p.id))
        return STEME_EINVAL;
    steme__hash256(token, STEME_APIKEY_TOKEN_LEN, p.row.hash);
    err = steme__store_write(db->store, put_txn, &p);
    if (err == STEME_EEXIST && p.id_taken) {
        /* The same token, active, with the same role: already done. */
        if (steme__ct_equal(p.existing.hash, p.row.hash, HASH_SIZE) && p.existing.revoked_at == 0 &&
            p.existing.role == p.row.role) {
            p.row = p.existing;
            err = STEME_OK;
        }
    }
    if (err == STEME_OK && ret != NULL)
        info_of(p.id, &p.row, ret);
    return err;
}

/* ---------------------------------------------------------------------------------------------
 * Check, list, count, revoke
 */

/* Keys this thread found valid, each with the version of the store it was checked at: while
 * nothing is committed (no key created or revoked, by any process), the answer stands, and a
 * server checks a key on every request. Hashes of tokens, as the store holds them; never a
 * token. */
#define CHECKED_KEYS 4

static _Thread_local struct checked_key {
    steme__version at;
    uint8_t hash[HASH_SIZE];
    steme_apikey_info info;
} checked[CHECKED_KEYS];
static _Thread_local unsigned checked_next;

static const steme_apikey_info *
checked_find(steme__version now, const uint8_t hash[HASH_SIZE])
{
    for (size_t i = 0; i < CHECKED_KEYS; i++)
        if (steme__version_equal(checked[i].at, now) &&
            steme__ct_equal(checked[i].hash, hash, HASH_SIZE))
            return &checked[i].info;
    return NULL;
}

static void
checked_add(steme__version at, const uint8_t hash[HASH_SIZE], const steme_apikey_info *info)
{
    struct checked_key *k = &checked[checked_next++ % CHECKED_KEYS];
    k->at = at;
    memcpy(k->hash, hash, HASH_SIZE);
    k->info = *info;
}

steme_err
steme_db_apikey_check(steme_db *db, const char *token, steme_apikey_info *ret)
{
    uint8_t id[ID_BYTES], hash[HASH_SIZE];
    key_row r = {0}; /* an unknown id compares with this dummy: all-zero hash, never equal */
    steme_apikey_info info;
    steme__version at;
    steme__snap *snap;
    steme__val v;
    bool found = false, equal;
    steme_err err;

    if (db == NULL)
        return STEME_EINVAL;
    if (!token_parse(token, id))
        return STEME_EDENIED;
    steme__hash256(token, STEME_APIKEY_TOKEN_LEN, hash);
    const steme_apikey_info *seen = checked_find(steme__store_version(db->store), hash);
    if (seen != NULL) {
        steme__memzero(hash, sizeof(hash));
        if (ret != NULL)
            *ret = *seen;
        return STEME_OK;
    }
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    at = steme__snap_version(snap);
    err = steme__tget(steme__snap_txn(snap), STEME__T_APIKEY, id, ID_BYTES, &v);
    if (err == STEME_OK) {
        found = true;
        if (!row_decode(&v, &r))
            err = STEME_ECORRUPT;
    }
    steme__snap_end(snap);
    if (err != STEME_OK && err != STEME_ENOTFOUND)
        return err;
    equal = steme__ct_equal(hash, r.hash, HASH_SIZE);
    if (!found || !equal || r.revoked_at != 0) {
        steme__memzero(hash, sizeof(hash));
        return STEME_EDENIED;
    }
    info_of(id, &r, &info);
    checked_add(at, hash, &info);
    steme__memzero(hash, sizeof(hash));
    if (ret != NULL)
        *ret = info;
    return STEME_OK;
}

typedef struct list_ctx {
    steme_apikey_fn fn;
    void *ctx;
} list_ctx;

static int
list_one(const uint8_t id[ID_BYTES], const key_row *r, void *ctx)
{
    list_ctx *lc = ctx;
    steme_apikey_info info;

    info_of(id, r, &info);
    return lc->fn(&info, lc->ctx);
}

steme_err
steme_db_apikey_list(steme_db *db, steme_apikey_fn fn, void *ctx)
{
    list_ctx lc = {fn, ctx};
    steme__snap *snap;
    steme_err err;

    if (db == NULL || fn == NULL)
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = walk_keys(steme__snap_txn(snap), list_one, &lc);
    steme__snap_end(snap);
    return err;
}

typedef struct count_ctx {
    uint8_t min_role;
    size_t n;
} count_ctx;

static int
count_one(const uint8_t id[ID_BYTES], const key_row *r, void *ctx)
{
    count_ctx *cc = ctx;

    (void)id;
    cc->n += r->revoked_at == 0 && r->role >= cc->min_role;
    return 0;
}

steme_err
steme_db_apikey_count(steme_db *db, steme_apikey_role min_role, size_t *ret)
{
    count_ctx cc = {(uint8_t)min_role, 0};
    steme__snap *snap;
    steme_err err;

    if (db == NULL || ret == NULL || (min_role != 0 && !role_valid((int)min_role)))
        return STEME_EINVAL;
    if ((err = steme__snap_begin(db->store, &snap)) != STEME_OK)
        return err;
    err = walk_keys(steme__snap_txn(snap), count_one, &cc);
    steme__snap_end(snap);
    if (err == STEME_OK)
        *ret = cc.n;
    return err;
}

size_t
steme_db_apikey_count_active(steme_db *db)
{
    size_t n = 0;
    return steme_db_apikey_count(db, 0, &n) == STEME_OK ? n : 0;
}

typedef struct revoke {
    uint8_t id[ID_BYTES];
    int64_t now;
} revoke;

static steme_err
revoke_txn(steme__txn *t, void *ctx)
{
    revoke *rv = ctx;
    uint8_t row[ROW_MAX];
    key_row r;
    steme__val v;
    steme_err err = steme__tget(t, STEME__T_APIKEY, rv->id, ID_BYTES, &v);

    if (err != STEME_OK)
        return err;
    if (!row_decode(&v, &r))
        return STEME_ECORRUPT;
    if (r.revoked_at != 0)
        return STEME_OK;
    r.revoked_at = rv->now > 0 ? rv->now : 1; /* 0 means active */
    return steme__tput(t, STEME__T_APIKEY, rv->id, ID_BYTES, row, row_encode(&r, row));
}

steme_err
steme_db_apikey_revoke(steme_db *db, const char *id)
{
    revoke rv;

    if (db == NULL || id == NULL || db->opts.read_only)
        return STEME_EINVAL;
    if (strnlen(id, STEME_APIKEY_ID_HEX + 1) != STEME_APIKEY_ID_HEX ||
        !lower_hex(id, STEME_APIKEY_ID_HEX, rv.id))
        return STEME_ENOTFOUND;
    rv.now = steme_now_ms();
    return steme__store_write(db->store, revoke_txn, &rv);
}
