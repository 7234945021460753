/* SPDX-License-Identifier: MIT */
/*
 * views.c -- the JSON views of scalars, errors, stored records and the store itself (see
 * views.h). Lifecycle, sources, agents and the other knowledge rules are in views_rules.c;
 * queries in views_query.c.
 */
#include <stdlib.h>
#include <string.h>

#include "record_json.h"
#include "fmt.h"
#include "views.h"

/* ---------------------------------------------------------------------------------------------
 * Scalars
 */

json_t *
steme__json_hex(const uint8_t *b, size_t n)
{
    char hex[2 * 64 + 1];
    if (n > 64)
        return NULL;
    steme_hex(b, n, hex);
    return json_string(hex);
}

json_t *
steme__json_seq(uint64_t seq)
{
    return seq == 0 ? json_null() : json_integer((json_int_t)seq);
}

json_t *
steme__json_text(const char *s)
{
    json_t *j = json_string(s);
    if (j != NULL || s == NULL)
        return j;
    char *copy = strdup(s);
    if (copy == NULL)
        return NULL;
    for (char *p = copy; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    j = json_string(copy);
    free(copy);
    return j;
}

json_t *
steme__json_str_or_null(steme_str s)
{
    return s.len == 0 ? json_null() : json_stringn(s.ptr, s.len);
}

json_t *
steme__json_value(const steme_value *v)
{
    return steme__value_to_json(v);
}

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

const char *
steme__json_err_code(int err)
{
    if (steme_err_is_sys(err))
        return "system";
    switch ((steme_err)err) {
    case STEME_OK:
        return "ok";
    case STEME_EINVAL:
        return "invalid";
    case STEME_ENOMEM:
        return "no_memory";
    case STEME_ENOTFOUND:
        return "not_found";
    case STEME_ESIG:
        return "bad_signature";
    case STEME_ECORRUPT:
        return "corrupt";
    case STEME_EVERSION:
        return "version";
    case STEME_EPERM:
        return "permission";
    case STEME_EEXIST:
        return "exists";
    case STEME_ELIMIT:
        return "limit";
    case STEME_EBUSY:
        return "busy";
    case STEME_EDENIED:
        return "denied";
    case STEME_EUPGRADE:
        return "upgrade";
    case STEME_ESYSERR:
        break;
    }
    return "error";
}

json_t *
steme__json_error(const char *code, const char *message, const char *field)
{
    json_t *j = json_object();
    if (j == NULL)
        return NULL;
    json_object_set_new(j, "error", json_string(code));
    json_object_set_new(j, "message", steme__json_text(message));
    json_object_set_new(j, "field", field != NULL ? json_string(field) : json_null());
    return j;
}

/* ---------------------------------------------------------------------------------------------
 * Records
 */

typedef struct stage_finder {
    uint64_t as_of;
    steme_stage stage;
} stage_finder;

static int
on_change(const steme_stage_change *ch, void *ctx)
{
    stage_finder *sf = ctx;
    if (ch->cause > sf->as_of)
        return 1; /* oldest first: nothing later counts */
    sf->stage = ch->to;
    return 0;
}

steme_err
steme__json_stage_at(steme_db *db, const steme_id *id, uint64_t as_of, steme_stage *ret)
{
    if (as_of == 0) {
        steme_state st;
        steme_err err = steme_db_state(db, id, &st);
        if (err == STEME_OK)
            *ret = st.stage;
        return err;
    }
    stage_finder sf = {.as_of = as_of};
    steme_err err = steme_db_history(db, id, on_change, &sf);
    if (err != STEME_OK)
        return err;
    if (sf.stage == 0)
        return STEME_ENOTFOUND;
    *ret = sf.stage;
    return STEME_OK;
}

json_t *
steme__json_entry(const steme_entry *e, steme_stage stage)
{
    json_t *j = steme__entry_to_json(e);
    if (j == NULL)
        return NULL;
    if (json_object_set_new(j, "stage",
                            stage != 0 ? json_string(steme__fmt_stage(stage)) : json_null()) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *
steme__json_quarantined(const steme_entry *e, const steme_state *st)
{
    json_t *j = steme__json_entry(e, st->stage);
    if (j != NULL && json_object_set_new(
                         j, "quarantine_reason",
                         json_string(steme__fmt_quarantine_reason(st->quarantine_reason))) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *
steme__json_stored(const steme_ingest_result *r, json_t *extra)
{
    char hex[2 * STEME_ID_SIZE + 1];
    steme_hex(r->id.b, sizeof(r->id.b), hex);
    json_t *j = json_pack("{s:s, s:I, s:s}", "id", hex, "seq", (json_int_t)r->seq, "status",
                          r->duplicate ? "duplicate" : "new");
    if (j != NULL && extra != NULL && json_object_update(j, extra) != 0) {
        json_decref(j);
        j = NULL;
    }
    json_decref(extra);
    return j;
}

json_t *
steme__json_rebuild(const uint8_t before[32], const uint8_t after[32])
{
    return json_pack("{s:o, s:o, s:b}", "before", steme__json_hex(before, 32), "after",
                     steme__json_hex(after, 32), "match", memcmp(before, after, 32) == 0);
}

/* ---------------------------------------------------------------------------------------------
 * The store
 */

json_t *
steme__json_stats(const char *db, const steme_stats *st)
{
    json_t *j = json_object();
    if (j == NULL)
        return NULL;
    json_object_set_new(j, "db", steme__json_text(db));
    json_object_set_new(j, "format_version", json_integer(st->format_version));
    json_object_set_new(j, "last_seq", json_integer((json_int_t)st->last_seq));
    json_object_set_new(j, "records", json_integer((json_int_t)st->records));
    json_object_set_new(j, "assertions", json_integer((json_int_t)st->assertions));
    json_object_set_new(j, "votes", json_integer((json_int_t)st->votes));
    json_object_set_new(j, "events", json_integer((json_int_t)st->events));
    json_object_set_new(j, "map_size", json_integer((json_int_t)st->map_size));
    json_object_set_new(j, "disk_bytes", json_integer((json_int_t)st->disk_bytes));
    json_object_set_new(j, "quarantine_pending", json_integer((json_int_t)st->quarantine_pending));
    return j;
}

json_t *
steme__json_problem(const char *index, const char *what, uint64_t seq)
{
    return json_pack("{s:s, s:s, s:I}", "index", index, "what", what, "seq", (json_int_t)seq);
}

json_t *
steme__json_check(const char *db, const steme_check_report *rep, json_t *details)
{
    json_t *j = json_object();
    if (j == NULL) {
        json_decref(details);
        return NULL;
    }
    json_object_set_new(j, "db", steme__json_text(db));
    json_object_set_new(j, "records", json_integer((json_int_t)rep->records));
    json_object_set_new(j, "signatures", json_integer((json_int_t)rep->signatures));
    json_object_set_new(j, "index_entries", json_integer((json_int_t)rep->index_entries));
    json_object_set_new(j, "problems", json_integer((json_int_t)rep->problems));
    json_object_set_new(j, "details", details);
    if (rep->problems > STEME__JSON_MAX_PROBLEMS)
        json_object_set_new(j, "details_truncated", json_true());
    return j;
}

json_t *
steme__json_mv_stats(const steme_mv_stats *s)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "hits", (json_int_t)s->hits,
                     "misses", (json_int_t)s->misses, "stale", (json_int_t)s->stale, "evictions",
                     (json_int_t)s->evictions, "entries", (json_int_t)s->entries, "capacity",
                     (json_int_t)s->capacity, "bytes", (json_int_t)s->bytes, "max_bytes",
                     (json_int_t)s->max_bytes);
}
