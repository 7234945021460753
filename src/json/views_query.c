/* SPDX-License-Identifier: MIT */
/*
 * views_query.c -- the JSON views of query results (see views.h): answers with their winner,
 * alternatives, conflict, explanation and receipt; what-ifs and what they change; lenses side
 * by side; recomputed receipts and the query audit.
 *
 * Values appear in their table text ("0.2 %"), not as typed objects: an answer names a group
 * of values that the lens treated as one (0.2 % and 0.002), and the text is how the answer
 * reads, the same on every face.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record_json.h"
#include "fmt.h"
#include "views.h"

/* ---------------------------------------------------------------------------------------------
 * Answers
 */

static json_t *
alternative_json(const steme_alternative *alt)
{
    char *v = steme__fmt_value(&alt->value);
    json_t *j =
        json_pack("{s:s?, s:f, s:f, s:f, s:I, s:I, s:I, s:s, s:I, s:I, s:b}", "value", v, "weight",
                  alt->weight, "share", alt->share, "evidence", alt->evidence, "agents",
                  (json_int_t)alt->agents, "sources", (json_int_t)alt->sources, "assertions",
                  (json_int_t)alt->assertions, "tier", steme_tier_name(alt->best_tier), "up",
                  (json_int_t)alt->up, "down", (json_int_t)alt->down, "outlier", alt->outlier);
    free(v);
    return j;
}

steme__json_opts
steme__json_opts_default(void)
{
    return (steme__json_opts){STEME__JSON_ALTERNATIVES, STEME__JSON_SUPPORT};
}

bool
steme__json_cap_parse(const char *text, size_t *ret)
{
    if (strcmp(text, "all") == 0) {
        *ret = SIZE_MAX;
        return true;
    }
    size_t n = strlen(text), v = 0;
    if (n == 0 || n > 7 || (text[0] == '0' && n > 1))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        v = v * 10 + (size_t)(text[i] - '0');
    }
    if (v > STEME__JSON_CAP_MAX)
        return false;
    *ret = v;
    return true;
}

static json_t *
ids_json(const steme_id *ids, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++)
        json_array_append_new(arr, steme__json_hex(ids[i].b, STEME_ID_SIZE));
    return arr;
}

/* The first max alternatives in the lens's order, and the winner after them when the lens
 * ranked it beyond them. */
static json_t *
alternatives_json(const steme_answer *a, size_t max)
{
    size_t n = a->n_alternatives < max ? a->n_alternatives : max;
    json_t *alts = json_array();
    for (size_t i = 0; alts != NULL && i < n; i++)
        json_array_append_new(alts, alternative_json(&a->alternatives[i]));
    if (alts != NULL && a->has_winner && a->winner >= n)
        json_array_append_new(alts, alternative_json(&a->alternatives[a->winner]));
    return alts;
}

json_t *
steme__json_answer(const steme_answer *a, const steme__json_opts *o)
{
    steme__json_opts def = steme__json_opts_default();
    if (o == NULL)
        o = &def;
    char *w = a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : NULL;
    char receipt[65];
    steme_hex(a->receipt, 32, receipt);
    json_t *j = json_pack(
        "{s:s%, s:s%, s:s?, s:s, s:s, s:s, s:f, s:f, s:o, s:I, s:o, s:I, s:I, "
        "s:{s:I, s:I, s:I}, s:s, s:s}",
        "subject", a->subject.ptr, a->subject.len, "predicate", a->predicate.ptr, a->predicate.len,
        "winner", w, "reason", a->reason, "reason_text", a->reason_text, "decided_by",
        a->decided_by, "lead", a->lead, "conflict", a->conflict, "alternatives",
        alternatives_json(a, o->max_alternatives), "alternatives_total",
        (json_int_t)a->n_alternatives, "support",
        ids_json(a->support, a->n_support < o->max_support ? a->n_support : o->max_support),
        "support_total", (json_int_t)a->n_support, "candidates", (json_int_t)a->n_candidates,
        "excluded", "stage", (json_int_t)a->excluded_stage, "valid_time",
        (json_int_t)a->excluded_valid_time, "filter", (json_int_t)a->excluded_filter, "explanation",
        a->explanation, "receipt", receipt);
    free(w);
    return j;
}

static json_t *
answers_json(const steme_result *r, const steme__json_opts *o)
{
    json_t *answers = json_array();
    for (size_t i = 0; answers != NULL && i < steme_result_count(r); i++)
        json_array_append_new(answers, steme__json_answer(steme_result_answer(r, i), o));
    return answers;
}

/* ---------------------------------------------------------------------------------------------
 * What-ifs
 */

json_t *
steme__json_change(const steme_answer *a)
{
    char *x = a->baseline_has_winner ? steme__fmt_value(&a->baseline_winner) : strdup("none");
    char *y = a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : strdup("none");
    json_t *j = json_pack("{s:s%, s:s%, s:s?, s:s?}", "subject", a->subject.ptr, a->subject.len,
                          "predicate", a->predicate.ptr, a->predicate.len, "before", x, "after", y);
    free(x);
    free(y);
    return j;
}

/* Every setter tolerates a NULL value (out of memory) and reports it, so that a builder can
 * set everything and check once. */
static bool
set(json_t *obj, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(obj, key, v) == 0;
}

static json_t *
changes_json(const steme_result *r)
{
    json_t *changed = json_array();
    for (size_t i = 0; changed != NULL && i < steme_result_count(r); i++) {
        const steme_answer *a = steme_result_answer(r, i);
        if (a->changed)
            json_array_append_new(changed, steme__json_change(a));
    }
    return changed;
}

json_t *
steme__json_what_if(const steme_query *q, const steme_result *r, const steme__json_opts *o)
{
    json_t *j = json_object();
    bool ok =
        j != NULL && set(j, "retract", steme__json_str_or_null(q->what_if_retract)) &&
        set(j, "distrust",
            q->has_what_if_distrust ? steme__json_hex(q->what_if_distrust.b, STEME_PUBKEY_SIZE)
                                    : json_null()) &&
        set(j, "supersede_epoch", steme__json_str_or_null(q->what_if_supersede_epoch)) &&
        set(j, "successor", steme__json_str_or_null(q->what_if_successor)) &&
        set(j, "changed", changes_json(r)) && set(j, "answers", answers_json(r, o));
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *
steme__json_result(const steme_query *q, const steme_result *r, const steme__json_opts *o)
{
    /* The main answers are the query's own; a what-if's are under "what_if". */
    bool what_if = steme_result_what_if(r);
    const steme_result *base = what_if ? steme_result_baseline(r) : r;
    json_t *j =
        json_pack("{s:I, s:s, s:I, s:o}", "position", (json_int_t)steme_result_position(base),
                  "lens", steme_result_lens(base), "version",
                  (json_int_t)steme_result_lens_version(base), "answers", answers_json(base, o));
    if (j == NULL || !what_if)
        return j;
    if (json_object_set_new(j, "what_if", steme__json_what_if(q, r, o)) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* ---------------------------------------------------------------------------------------------
 * Lenses side by side, receipts, the audit
 */

json_t *
steme__json_lens(const steme_result *r)
{
    const steme_answer *a = steme_result_answer(r, 0);
    char *w = a->has_winner ? steme__fmt_value(&a->alternatives[a->winner].value) : NULL;
    char receipt[65];
    steme_hex(a->receipt, 32, receipt);
    json_t *j = json_pack(
        "{s:s, s:s?, s:f, s:f, s:s, s:s, s:s}", "lens", steme_result_lens(r), "winner", w, "weight",
        a->has_winner ? a->alternatives[a->winner].weight : 0.0, "conflict", a->conflict, "reason",
        a->reason, "explanation", a->explanation, "receipt", receipt);
    free(w);
    return j;
}

json_t *
steme__json_compare(const steme_result *const *rs, size_t n)
{
    json_t *lenses = json_array();
    for (size_t i = 0; lenses != NULL && i < n; i++)
        json_array_append_new(lenses, steme__json_lens(rs[i]));
    return json_pack("{s:I, s:o}", "position", (json_int_t)steme_result_position(rs[n - 1]),
                     "lenses", lenses);
}

json_t *
steme__json_receipt_check(bool match, const uint8_t receipt[32], uint64_t position)
{
    return json_pack("{s:b, s:o, s:I}", "match", match, "receipt", steme__json_hex(receipt, 32),
                     "position", (json_int_t)position);
}

json_t *
steme__json_audit_row(const steme_audit_entry *e, const bool *verified)
{
    char when[32], receipt[65];
    steme__time_format(e->time, when);
    steme_hex(e->receipt, 32, receipt);
    json_t *j = json_pack(
        "{s:I, s:s, s:s%, s:s%, s:s%, s:s, s:I, s:I, s:s%, s:b, s:I, s:s}", "id", (json_int_t)e->id,
        "time", when, "asker", e->asker.ptr, e->asker.len, "subject", e->query.subject.ptr,
        e->query.subject.len, "predicate", e->query.predicate.ptr, e->query.predicate.len, "lens",
        e->query.lens, "version", (json_int_t)e->lens_version, "position", (json_int_t)e->position,
        "reason", e->reason.ptr, e->reason.len, "has_winner", e->has_winner, "candidates",
        (json_int_t)e->n_candidates, "receipt", receipt);
    if (j != NULL && verified != NULL &&
        json_object_set_new(j, "verified", json_boolean(*verified)) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}
