/* SPDX-License-Identifier: MIT */
/*
 * import_state.c -- the resume state of `steme import`: a small text file next to the input,
 * FILE.steme-import-state, rewritten after every stored batch, that says how far the input is
 * stored and which input and store that was.
 *
 * The state is only a shortcut. Ingest is idempotent by id, so a state that lags behind the
 * store (the process died between a commit and the state's rewrite) costs one batch of
 * duplicates, and a state that cannot be trusted is ignored: the import then starts from the
 * beginning and finds what is already stored as duplicates. It is trusted only when the file
 * has the size, modification time and first 64 KiB it had, the store is the same directory,
 * the CSV settings are the same, and the last record it names is in the store.
 *
 * Hashes are BLAKE2b-256 computed with steme_record_id(), which is that hash of any bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"

#define MAGIC     "steme-import-state 1"
#define HEAD_SIZE (64 * 1024)

char *
cli_import_state_path(const char *path)
{
    char *p = NULL;
    if (asprintf(&p, "%s.steme-import-state", path) < 0)
        return NULL;
    return p;
}

int
cli_import_state_identify(cli_import_state *st, const cli_input *in, const char *db_dir)
{
    st->size = (uint64_t)in->st.st_size;
    st->mtime_s = (int64_t)in->st.st_mtim.tv_sec;
    st->mtime_ns = (int64_t)in->st.st_mtim.tv_nsec;
    size_t n = st->size < HEAD_SIZE ? (size_t)st->size : HEAD_SIZE;
    uint8_t *head = malloc(n > 0 ? n : 1);
    if (head == NULL)
        return ENOMEM;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fileno(in->f), head + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(head);
            return e;
        }
        got += (size_t)r;
    }
    steme_record_id(head, n, &st->head);
    free(head);

    char *real = realpath(db_dir, NULL);
    if (real == NULL)
        return errno;
    steme_record_id((const uint8_t *)real, strlen(real), &st->store);
    free(real);
    return 0;
}

static void
put_hex(FILE *f, const char *key, const steme_id *id)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(id->b, STEME_ID_SIZE, hex);
    fprintf(f, "%s %s\n", key, hex);
}

int
cli_import_state_save(const char *path, const cli_import_state *st)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", path) < 0)
        return ENOMEM;
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        int e = errno;
        free(tmp);
        return e;
    }
    fprintf(f, "%s\nformat %s\nsize %" PRIu64 "\nmtime %" PRId64 " %" PRId64 "\n", MAGIC,
            st->csv ? "csv" : "json", st->size, st->mtime_s, st->mtime_ns);
    put_hex(f, "head", &st->head);
    put_hex(f, "store", &st->store);
    put_hex(f, "settings", &st->settings);
    fprintf(f, "at %" PRId64 "\noffset %" PRIu64 "\nlines %" PRIu64 "\n", st->at, st->offset,
            st->lines);
    if (st->has_last)
        put_hex(f, "last", &st->last);
    else
        fputs("last -\n", f);
    int e = 0;
    if (fflush(f) != 0 || ferror(f))
        e = errno != 0 ? errno : EIO;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0)
        unlink(tmp);
    free(tmp);
    return e;
}

static bool
get_hex(const char *v, steme_id *ret)
{
    return strlen(v) == 2 * STEME_ID_SIZE && steme_unhex(v, ret->b, STEME_ID_SIZE) == STEME_OK;
}

static bool
get_u64(const char *v, uint64_t *ret)
{
    char *end;
    if (*v < '0' || *v > '9')
        return false;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *ret = x;
    return true;
}

/* One "key value" line into st; false when malformed. */
static bool
parse_line(char *line, cli_import_state *st, unsigned *seen)
{
    char *sp = strchr(line, ' ');
    if (sp == NULL)
        return false;
    *sp = '\0';
    const char *k = line, *v = sp + 1;
    uint64_t u;
    if (strcmp(k, "format") == 0) {
        if (strcmp(v, "csv") != 0 && strcmp(v, "json") != 0)
            return false;
        st->csv = strcmp(v, "csv") == 0;
        *seen |= 1u << 0;
    } else if (strcmp(k, "size") == 0) {
        if (!get_u64(v, &st->size))
            return false;
        *seen |= 1u << 1;
    } else if (strcmp(k, "mtime") == 0) {
        if (sscanf(v, "%" SCNd64 " %" SCNd64, &st->mtime_s, &st->mtime_ns) != 2)
            return false;
        *seen |= 1u << 2;
    } else if (strcmp(k, "head") == 0) {
        if (!get_hex(v, &st->head))
            return false;
        *seen |= 1u << 3;
    } else if (strcmp(k, "store") == 0) {
        if (!get_hex(v, &st->store))
            return false;
        *seen |= 1u << 4;
    } else if (strcmp(k, "settings") == 0) {
        if (!get_hex(v, &st->settings))
            return false;
        *seen |= 1u << 5;
    } else if (strcmp(k, "at") == 0) {
        if (!get_u64(v, &u) || u > (uint64_t)STEME_TIME_MAX)
            return false;
        st->at = (int64_t)u;
        *seen |= 1u << 6;
    } else if (strcmp(k, "offset") == 0) {
        if (!get_u64(v, &st->offset))
            return false;
        *seen |= 1u << 7;
    } else if (strcmp(k, "lines") == 0) {
        if (!get_u64(v, &st->lines))
            return false;
        *seen |= 1u << 8;
    } else if (strcmp(k, "last") == 0) {
        st->has_last = strcmp(v, "-") != 0;
        if (st->has_last && !get_hex(v, &st->last))
            return false;
        *seen |= 1u << 9;
    } else {
        return false;
    }
    return true;
}

int
cli_import_state_load(const char *path, cli_import_state *ret)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno;
    cli_import_state st;
    memset(&st, 0, sizeof(st));
    char line[256];
    unsigned seen = 0;
    bool ok = fgets(line, sizeof(line), f) != NULL && strcmp(line, MAGIC "\n") == 0;
    while (ok && fgets(line, sizeof(line), f) != NULL) {
        size_t n = strlen(line);
        if (n == 0 || line[n - 1] != '\n')
            ok = false;
        else
            line[n - 1] = '\0';
        ok = ok && parse_line(line, &st, &seen);
    }
    fclose(f);
    if (!ok || seen != 0x3ffu || st.offset > st.size)
        return EINVAL;
    *ret = st;
    return 0;
}

const char *
cli_import_state_mismatch(const cli_import_state *saved, const cli_import_state *now)
{
    if (saved->csv != now->csv)
        return "it was made for another format";
    if (saved->size != now->size || saved->mtime_s != now->mtime_s ||
        saved->mtime_ns != now->mtime_ns || memcmp(saved->head.b, now->head.b, STEME_ID_SIZE) != 0)
        return "the input file changed since";
    if (memcmp(saved->store.b, now->store.b, STEME_ID_SIZE) != 0)
        return "it was made for another store";
    if (memcmp(saved->settings.b, now->settings.b, STEME_ID_SIZE) != 0)
        return "it was made with another key or --map";
    return NULL;
}
