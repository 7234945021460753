/* SPDX-License-Identifier: MIT */
/*
 * manifest.c -- writing and strictly reading MANIFEST.json (manifest.h, docs/operations.md).
 *
 * libsteme has no JSON library (jansson belongs to src/json, above the engine), and the
 * manifest is a small document of one fixed shape, so it is written with snprintf and read
 * with a parser that accepts only that shape: members of known names, each once; strings of
 * printable ASCII without escapes; non-negative integers without signs, fractions or leading
 * zeros. The manifest comes from a backup directory, which may have been damaged or tampered
 * with: every read is bounds-checked, and tests/fuzz/fuzz_manifest.c feeds it arbitrary bytes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "crypto.h"
#include "manifest.h"

#define FORMAT_NAME  "stemedb-backup"
#define CHECKSUM_KEY "\n  \"manifest_blake2b_256\": \""

bool
steme__manifest_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > STEME__MANIFEST_NAME_MAX || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0 || strcmp(name, STEME_BACKUP_MANIFEST) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* RFC 3339 UTC with milliseconds (24 bytes and a NUL for the years 0..9999). */
static void
fmt_time(int64_t ms, char out[64])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;

    if (ms < 0 || gmtime_r(&secs, &tm) == NULL) {
        snprintf(out, 64, "?");
        return;
    }
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 */

typedef struct wbuf {
    char *buf;
    size_t len, cap;
    bool failed;
} wbuf;

static void put(wbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(wbuf *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->failed)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->failed = true;
        return;
    }
    o->len += (size_t)n;
}

steme_err
steme__manifest_write(const steme__manifest *m, char **ret, size_t *ret_len)
{
    const steme_backup_info *in = &m->info;
    wbuf o = {.cap = 4096 + m->n_files * 256};
    bool has_data = false;
    char when[64], hex[65];
    uint8_t sum[32];

    if (m->n_files == 0 || m->n_files > STEME__MANIFEST_MAX_FILES || in->created_at < 0 ||
        in->last_recorded_at < 0)
        return STEME_EINVAL;
    for (size_t i = 0; i < m->n_files; i++) {
        if (!steme__manifest_name_ok(m->files[i].name))
            return STEME_EINVAL;
        has_data |= strcmp(m->files[i].name, STEME_BACKUP_DATA) == 0;
    }
    if (!has_data)
        return STEME_EINVAL;
    o.buf = steme__malloc(o.cap);
    if (o.buf == NULL)
        return STEME_ENOMEM;

    fmt_time(in->created_at, when);
    put(&o, "{\n  \"format\": \"%s\",\n  \"manifest_version\": %d,\n", FORMAT_NAME,
        STEME__MANIFEST_VERSION);
    put(&o, "  \"created_at\": \"%s\",\n  \"created_at_ms\": %" PRId64 ",\n", when, in->created_at);
    put(&o, "  \"libsteme_version\": \"%s\",\n", STEME_VERSION_STRING);
    put(&o, "  \"store_format_version\": %" PRIu32 ",\n", in->format_version);
    put(&o, "  \"last_seq\": %" PRIu64 ",\n  \"last_recorded_at_ms\": %" PRId64 ",\n", in->last_seq,
        in->last_recorded_at);
    put(&o,
        "  \"records\": %" PRIu64 ",\n  \"assertions\": %" PRIu64 ",\n  \"votes\": %" PRIu64
        ",\n  \"events\": %" PRIu64 ",\n",
        in->records, in->assertions, in->votes, in->events);
    put(&o, "  \"files\": [\n");
    for (size_t i = 0; i < m->n_files; i++) {
        steme_hex(m->files[i].hash, 32, hex);
        put(&o, "    {\"name\": \"%s\", \"size\": %" PRIu64 ", \"blake2b_256\": \"%s\"}%s\n",
            m->files[i].name, m->files[i].size, hex, i + 1 < m->n_files ? "," : "");
    }
    /* The checksum covers everything up to and including the newline that starts its line. */
    put(&o, "  ],\n");
    if (o.failed) {
        steme__free(o.buf);
        return STEME_ENOMEM;
    }
    steme__hash256(o.buf, o.len, sum);
    steme_hex(sum, 32, hex);
    put(&o, "  \"manifest_blake2b_256\": \"%s\"\n}\n", hex);
    if (o.failed) {
        steme__free(o.buf);
        return STEME_ENOMEM;
    }
    *ret = o.buf;
    *ret_len = o.len;
    return STEME_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 */

typedef struct rd {
    const uint8_t *p, *end;
    const char *what; /* the first problem */
} rd;

static bool
bad(rd *r, const char *what)
{
    if (r->what == NULL)
        r->what = what;
    return false;
}

static void
skip_ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r'))
        r->p++;
}

static bool
expect(rd *r, char c, const char *what)
{
    skip_ws(r);
    if (r->p >= r->end || *r->p != (uint8_t)c)
        return bad(r, what);
    r->p++;
    return true;
}

/* Peek at the next non-space byte (0 at the end). */
static int
peek(rd *r)
{
    skip_ws(r);
    return r->p < r->end ? *r->p : 0;
}

/* A string of printable ASCII without escapes, copied NUL-terminated into out[cap]. */
static bool
read_str(rd *r, char *out, size_t cap)
{
    size_t n = 0;

    if (!expect(r, '"', "malformed: a string was expected"))
        return false;
    for (;;) {
        if (r->p >= r->end)
            return bad(r, "malformed: an unterminated string");
        uint8_t c = *r->p++;
        if (c == '"')
            break;
        if (c < 0x20 || c > 0x7e || c == '\\')
            return bad(r, "malformed: a string holds an escape or a byte that is not "
                          "printable ASCII");
        if (n + 1 >= cap)
            return bad(r, "malformed: a string is too long");
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return true;
}

static bool
read_u64(rd *r, uint64_t max, uint64_t *ret)
{
    uint64_t v = 0;
    const uint8_t *start;

    skip_ws(r);
    start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        unsigned d = (unsigned)(*r->p - '0');
        if (v > (max - d) / 10)
            return bad(r, "malformed: a number is out of range");
        v = v * 10 + d;
        r->p++;
    }
    if (r->p == start)
        return bad(r, "malformed: a non-negative integer was expected");
    if (r->p - start > 1 && *start == '0')
        return bad(r, "malformed: a number has a leading zero");
    *ret = v;
    return true;
}

static bool
read_hash(rd *r, uint8_t out[32])
{
    char hex[65];

    if (!read_str(r, hex, sizeof(hex)))
        return false;
    if (strlen(hex) != 64)
        return bad(r, "malformed: a hash is not 64 hex digits");
    for (size_t i = 0; i < 64; i++) {
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return bad(r, "malformed: a hash is not 64 lower-case hex digits");
    }
    return steme_unhex(hex, out, 32) == STEME_OK || bad(r, "malformed: a bad hash");
}

/* One {"name", "size", "blake2b_256"} object of the files array. */
static bool
read_file(rd *r, steme__manifest_file *f)
{
    unsigned seen = 0;
    char key[32];

    if (!expect(r, '{', "malformed: a file entry is not an object"))
        return false;
    for (;;) {
        unsigned bit;
        if (!read_str(r, key, sizeof(key)) || !expect(r, ':', "malformed: ':' expected"))
            return false;
        if (strcmp(key, "name") == 0) {
            bit = 1;
            if (!read_str(r, f->name, sizeof(f->name)))
                return false;
        } else if (strcmp(key, "size") == 0) {
            bit = 2;
            if (!read_u64(r, UINT64_MAX, &f->size))
                return false;
        } else if (strcmp(key, "blake2b_256") == 0) {
            bit = 4;
            if (!read_hash(r, f->hash))
                return false;
        } else {
            return bad(r, "malformed: a file entry has an unknown member");
        }
        if (seen & bit)
            return bad(r, "malformed: a file entry repeats a member");
        seen |= bit;
        if (peek(r) == '}')
            break;
        if (!expect(r, ',', "malformed: ',' or '}' expected in a file entry"))
            return false;
    }
    r->p++;
    if (seen != 7)
        return bad(r, "malformed: a file entry lacks its name, size or blake2b_256");
    return true;
}

static bool
read_files(rd *r, steme__manifest *m)
{
    if (!expect(r, '[', "malformed: files is not an array"))
        return false;
    m->n_files = 0;
    if (peek(r) == ']') {
        r->p++;
        return true;
    }
    for (;;) {
        if (m->n_files == STEME__MANIFEST_MAX_FILES)
            return bad(r, "malformed: too many files");
        if (!read_file(r, &m->files[m->n_files++]))
            return false;
        if (peek(r) == ']')
            break;
        if (!expect(r, ',', "malformed: ',' or ']' expected in files"))
            return false;
    }
    r->p++;
    return true;
}

enum member {
    M_FORMAT,
    M_VERSION,
    M_CREATED,
    M_CREATED_MS,
    M_LIBSTEME,
    M_STORE_FORMAT,
    M_LAST_SEQ,
    M_LAST_RECORDED,
    M_RECORDS,
    M_ASSERTIONS,
    M_VOTES,
    M_EVENTS,
    M_FILES,
    M_CHECKSUM,
    M_COUNT,
};

static const char *const member_names[M_COUNT] = {
    [M_FORMAT] = "format",
    [M_VERSION] = "manifest_version",
    [M_CREATED] = "created_at",
    [M_CREATED_MS] = "created_at_ms",
    [M_LIBSTEME] = "libsteme_version",
    [M_STORE_FORMAT] = "store_format_version",
    [M_LAST_SEQ] = "last_seq",
    [M_LAST_RECORDED] = "last_recorded_at_ms",
    [M_RECORDS] = "records",
    [M_ASSERTIONS] = "assertions",
    [M_VOTES] = "votes",
    [M_EVENTS] = "events",
    [M_FILES] = "files",
    [M_CHECKSUM] = "manifest_blake2b_256",
};

/* The value of member k. created is the created_at text, checked once created_at_ms is known. */
static bool
read_member(rd *r, enum member k, steme__manifest *m, char created[40], bool *newer)
{
    steme_backup_info *in = &m->info;
    char text[40];
    uint64_t v;
    uint8_t sum[32];

    switch (k) {
    case M_FORMAT:
        if (!read_str(r, text, sizeof(text)))
            return false;
        return strcmp(text, FORMAT_NAME) == 0 || bad(r, "not a StemeDB backup manifest");
    case M_VERSION:
        if (!read_u64(r, UINT32_MAX, &v))
            return false;
        in->manifest_version = (uint32_t)v;
        if (v > STEME__MANIFEST_VERSION) {
            *newer = true;
            return bad(r, "written by a newer manifest version");
        }
        return v == STEME__MANIFEST_VERSION || bad(r, "an unknown manifest version");
    case M_CREATED:
        return read_str(r, created, 40);
    case M_CREATED_MS:
        if (!read_u64(r, STEME_TIME_MAX, &v))
            return false;
        in->created_at = (int64_t)v;
        return true;
    case M_LIBSTEME:
        return read_str(r, in->libsteme_version, sizeof(in->libsteme_version));
    case M_STORE_FORMAT:
        if (!read_u64(r, UINT32_MAX, &v))
            return false;
        in->format_version = (uint32_t)v;
        return true;
    case M_LAST_SEQ:
        return read_u64(r, UINT64_MAX, &in->last_seq);
    case M_LAST_RECORDED:
        if (!read_u64(r, INT64_MAX, &v))
            return false;
        in->last_recorded_at = (int64_t)v;
        return true;
    case M_RECORDS:
        return read_u64(r, UINT64_MAX, &in->records);
    case M_ASSERTIONS:
        return read_u64(r, UINT64_MAX, &in->assertions);
    case M_VOTES:
        return read_u64(r, UINT64_MAX, &in->votes);
    case M_EVENTS:
        return read_u64(r, UINT64_MAX, &in->events);
    case M_FILES:
        return read_files(r, m);
    case M_CHECKSUM:
        return read_hash(r, sum); /* compared before parsing */
    case M_COUNT:
        break;
    }
    return bad(r, "malformed");
}

/* The checksum line must close the document: verify it over the bytes before its line. */
static bool
check_sum(const uint8_t *p, size_t n, const char **what)
{
    static const char tail[] = "\"\n}\n";
    size_t kl = sizeof(CHECKSUM_KEY) - 1, tl = sizeof(tail) - 1;
    uint8_t want[32], got[32];
    char hex[65];

    if (n < kl + 64 + tl || memcmp(p + n - tl, tail, tl) != 0 ||
        memcmp(p + n - tl - 64 - kl, CHECKSUM_KEY, kl) != 0) {
        *what = "malformed: it does not end with its checksum line "
                "(\"manifest_blake2b_256\")";
        return false;
    }
    memcpy(hex, p + n - tl - 64, 64);
    hex[64] = '\0';
    for (size_t i = 0; i < 64; i++) {
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'))) {
            *what = "malformed: its checksum is not 64 lower-case hex digits";
            return false;
        }
    }
    steme_unhex(hex, want, 32);
    /* The prefix ends with the newline that starts the checksum line. */
    steme__hash256(p, n - tl - 64 - kl + 1, got);
    if (!steme__ct_equal(want, got, 32)) {
        *what = "checksum mismatch: the manifest was damaged or changed after it was written";
        return false;
    }
    return true;
}

/* What the members say together: counts, files, and the time written twice. */
static bool
check_whole(rd *r, steme__manifest *m, const char *created)
{
    steme_backup_info *in = &m->info;
    const steme__manifest_file *data = NULL;
    char when[64];

    if (in->assertions > UINT64_MAX - in->votes ||
        in->assertions + in->votes > UINT64_MAX - in->events ||
        in->assertions + in->votes + in->events != in->records)
        return bad(r, "records is not assertions + votes + events");
    if (in->records > in->last_seq)
        return bad(r, "more records than log positions");
    fmt_time(in->created_at, when);
    if (strcmp(when, created) != 0)
        return bad(r, "created_at and created_at_ms disagree");
    in->files = m->n_files;
    in->bytes = 0;
    for (size_t i = 0; i < m->n_files; i++) {
        const steme__manifest_file *f = &m->files[i];
        if (!steme__manifest_name_ok(f->name))
            return bad(r, "a file name is not allowed (letters, digits, '.', '_', '-')");
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->files[j].name, f->name) == 0)
                return bad(r, "a file is listed twice");
        }
        if (f->size > UINT64_MAX - in->bytes)
            return bad(r, "file sizes overflow");
        in->bytes += f->size;
        if (strcmp(f->name, STEME_BACKUP_DATA) == 0)
            data = f;
    }
    if (data == NULL)
        return bad(r, "it does not list data.mdb");
    in->data_size = data->size;
    memcpy(in->data_hash, data->hash, 32);
    return true;
}

steme_err
steme__manifest_parse(const uint8_t *p, size_t n, steme__manifest *ret, const char **what)
{
    rd r = {.p = p, .end = p + n};
    unsigned seen = 0;
    bool newer = false;
    char created[40] = "";
    char key[40];

    *what = NULL;
    memset(ret, 0, sizeof(*ret));
    if (!check_sum(p, n, what))
        return STEME_ECORRUPT;
    if (!expect(&r, '{', "malformed: not a JSON object"))
        goto out_bad;
    for (;;) {
        unsigned k;
        if (!read_str(&r, key, sizeof(key)) || !expect(&r, ':', "malformed: ':' expected"))
            goto out_bad;
        for (k = 0; k < M_COUNT && strcmp(key, member_names[k]) != 0; k++)
            ;
        if (k == M_COUNT) {
            bad(&r, "malformed: an unknown member");
            goto out_bad;
        }
        if (seen & (1u << k)) {
            bad(&r, "malformed: a member appears twice");
            goto out_bad;
        }
        seen |= 1u << k;
        if (!read_member(&r, (enum member)k, ret, created, &newer))
            goto out_bad;
        if (peek(&r) == '}')
            break;
        if (!expect(&r, ',', "malformed: ',' or '}' expected"))
            goto out_bad;
    }
    r.p++;
    skip_ws(&r);
    if (r.p != r.end) {
        bad(&r, "malformed: bytes after the object");
        goto out_bad;
    }
    if (seen != (1u << M_COUNT) - 1) {
        bad(&r, "malformed: a member is missing");
        goto out_bad;
    }
    if (!check_whole(&r, ret, created))
        goto out_bad;
    return STEME_OK;

out_bad:
    *what = r.what != NULL ? r.what : "malformed";
    return newer ? STEME_EVERSION : STEME_ECORRUPT;
}
