/* SPDX-License-Identifier: MIT */
/*
 * query.c -- steme_db_query and steme_db_verify_receipt (DESIGN §6, docs/lenses.md "Queries"
 * and "Receipts"): the query's options checked and turned into lens parameters, the position
 * resolved (latest, a log position, or a transaction time), the candidates gathered in one
 * snapshot (query_cands.c) -- or in a dry-run transaction after a what-if retraction or epoch
 * supersession -- then grouped by (subject, predicate), resolved by the lens, and each answer
 * given its receipt. A what-if query also answers without its what-ifs in the same
 * transaction first (the baseline) and marks the conclusions that change.
 *
 * A result owns copies of the records it read, so it outlives the snapshot.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "crypto.h"
#include "engine.h"
#include "id_sort.h"
#include "lens_inputs.h"
#include "query.h"
#include "rules.h"

#define RECEIPT_FORMAT    2
#define RECEIPT_FORMAT_V1 1 /* still verified: docs/lenses.md "Receipts" */
#define LENS_NAME_MAX     128

/* One answer's storage beside the public struct. */
typedef struct answer_mem {
    steme__lens_result lr;
    steme_alternative *alts;
    steme_id *ids; /* support then candidates */
    char *explanation;
} answer_mem;

struct steme_result {
    steme__qset set;
    steme_answer *answers;
    answer_mem *mem; /* NULL in a clone */
    void *flat;      /* a clone's one allocation: answers and everything they point to */
    size_t flat_size;
    size_t n;
    uint64_t position;
    uint64_t computed_at;
    bool materialized;
    char lens[LENS_NAME_MAX];
    uint32_t version;
    bool what_if;
    steme_result *baseline; /* a what-if's answers without the what-ifs; owned */
    size_t changed;         /* answers whose conclusion the what-if changes */
    uint8_t (*cores)[32];   /* each answer's receipt without its position (receipt_core) */
    atomic_uint refs;       /* a clone is shared by the materialized views and its readers */
};

void
steme_query_init(steme_query *q)
{
    memset(q, 0, sizeof(*q));
    q->lens = "consensus";
    q->stages = STEME_STAGES_DEFAULT;
}

#define LIMIT_TEXT_(n) #n
#define LIMIT_TEXT(n)  LIMIT_TEXT_(n)

/* The rule of a query past the bounds on what it may read (query_at). */
/* clang-format off */
static const char limit_rule[] =
    "the query reaches more than " LIMIT_TEXT(STEME_QUERY_MAX_CANDS) " assertions for one "
    "subject and predicate, 16 times that in all, or an assertion with more than "
    LIMIT_TEXT(STEME__QUERY_MAX_VOTERS) " voters: narrow it (predicate, stages, tiers, agent, "
    "valid_at)";
/* clang-format on */

static steme_err
refuse(steme_errinfo *ei, const char *field, const char *rule)
{
    if (ei != NULL) {
        ei->field = field;
        ei->rule = rule;
        ei->offset = 0;
    }
    return STEME_EINVAL;
}

/* A lens kind by name, '-' standing for '_'; 0 when unknown. */
static int
kind_parse(const char *s, size_t n)
{
    char name[32];

    if (n == 0 || n >= sizeof(name))
        return 0;
    for (size_t i = 0; i < n; i++)
        name[i] = s[i] == '-' ? '_' : s[i];
    name[n] = '\0';
    return steme__lens_kind_parse(name);
}

/* "layered:authority,consensus" -> kind and chain; the other parameters from q. */
static steme_err
lens_params(const steme_query *q, steme__lens_params *p, steme_errinfo *ei)
{
    const char *name = q->lens != NULL ? q->lens : "consensus";
    const char *colon = strchr(name, ':');
    size_t head = colon != NULL ? (size_t)(colon - name) : strlen(name);
    int kind = kind_parse(name, head);

    if (kind == 0)
        return refuse(ei, "lens",
                      "unknown lens (recency, consensus, vote_consensus, authority, "
                      "trust_authority, skeptic, layered[:L1,L2,...])");
    steme__lens_params_init(p, (steme__lens_kind)kind);
    if (colon != NULL) {
        const char *s = colon + 1;
        if (kind != STEME__LENS_LAYERED)
            return refuse(ei, "lens", "only the layered lens takes a chain after ':'");
        p->n_chain = 0;
        for (;;) {
            const char *comma = strchr(s, ',');
            size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);
            int link = kind_parse(s, n);
            if (link == 0)
                return refuse(ei, "lens", "unknown lens in the layered chain");
            if (p->n_chain == STEME__LENS_MAX_CHAIN)
                return refuse(ei, "lens", "a layered chain has at most 4 lenses");
            p->chain[p->n_chain++] = (steme__lens_kind)link;
            if (comma == NULL)
                break;
            s = comma + 1;
        }
    }
    if (q->min_support != 0)
        p->min_support = q->min_support;
    p->margin = q->margin;
    if (q->outlier_ratio != 0)
        p->outlier_ratio = q->outlier_ratio;
    if (q->minority_share != 0)
        p->minority_share = q->minority_share;
    if (q->tier_weights_set) {
        p->tier_weights_set = true;
        memcpy(p->tier_weights, q->tier_weights, sizeof(p->tier_weights));
    }
    return steme__lens_params_check(p, ei);
}

static void
lens_name(const steme__lens_params *p, char out[LENS_NAME_MAX])
{
    int n = snprintf(out, LENS_NAME_MAX, "%s", steme__lens_kind_name(p->kind));

    for (size_t i = 0; p->kind == STEME__LENS_LAYERED && i < p->n_chain; i++)
        n += snprintf(out + n, LENS_NAME_MAX - (size_t)n, "%c%s", i == 0 ? ':' : ',',
                      steme__lens_kind_name(p->chain[i]));
}

static bool
str_ok(steme_str s, size_t max)
{
    return (s.ptr != NULL || s.len == 0) && s.len <= max;
}

/* Everything about q that needs no store. */
static steme_err
check_query(const steme_query *q, steme__lens_params *p, uint32_t *stages, uint32_t *tiers,
            steme_errinfo *ei)
{
    const uint32_t all_stages = ((1u << (STEME_STAGE_REJECTED + 1)) - 1) & ~1u;
    const uint32_t all_tiers = ((1u << (STEME_TIER_UNVERIFIED + 1)) - 1) & ~1u;
    steme_err err;

    if (!str_ok(q->subject, STEME_MAX_SUBJECT))
        return refuse(ei, "subject", "longer than 512 bytes");
    if (q->subject.len == 0 && !q->subject_prefix)
        return refuse(ei, "subject", "required");
    if (!str_ok(q->predicate, STEME_MAX_PREDICATE))
        return refuse(ei, "predicate", "longer than 256 bytes");
    if (q->subject_prefix && q->subject.len == 0 && q->predicate.len == 0)
        return refuse(ei, "subject", "a prefix query names a non-empty prefix or a predicate");
    if ((err = lens_params(q, p, ei)) != STEME_OK)
        return err;
    if (q->as_of_time < 0 || q->as_of_time > STEME_TIME_MAX)
        return refuse(ei, "as_of_time", "outside [0, 9999-12-31T23:59:59.999Z]");
    if (q->as_of_time > 0 && q->as_of != 0)
        return refuse(ei, "as_of_time", "give as_of or as_of_time, not both");
    if (q->has_valid_at && (q->valid_at < 0 || q->valid_at > STEME_TIME_MAX))
        return refuse(ei, "valid_at", "outside [0, 9999-12-31T23:59:59.999Z]");
    *stages = q->stages != 0 ? q->stages : STEME_STAGES_DEFAULT;
    if ((*stages & ~all_stages) != 0)
        return refuse(ei, "stages", "unknown stage bit");
    *tiers = q->tiers != 0 ? q->tiers : all_tiers;
    if ((*tiers & ~all_tiers) != 0)
        return refuse(ei, "tiers", "unknown tier bit");
    if (!str_ok(q->what_if_retract, STEME_MAX_SOURCE))
        return refuse(ei, "what_if_retract", "longer than 256 bytes");
    if (q->what_if_retract.len > 0 && (q->as_of != 0 || q->as_of_time != 0))
        return refuse(ei, "what_if_retract", "only at the latest position");
    if (!str_ok(q->what_if_supersede_epoch, STEME_MAX_NAME))
        return refuse(ei, "what_if_supersede_epoch", "longer than 128 bytes");
    if (!str_ok(q->what_if_successor, STEME_MAX_NAME))
        return refuse(ei, "what_if_successor", "longer than 128 bytes");
    if (q->what_if_successor.len > 0 && q->what_if_supersede_epoch.len == 0)
        return refuse(ei, "what_if_successor", "needs what_if_supersede_epoch");
    if (q->what_if_supersede_epoch.len > 0 && (q->as_of != 0 || q->as_of_time != 0))
        return refuse(ei, "what_if_supersede_epoch", "only at the latest position");
    /* An audit row records the what-if source only (its format predates the others). */
    if (q->audit && (q->has_what_if_distrust || q->what_if_supersede_epoch.len > 0))
        return refuse(ei, "audit", "not with a what-if distrust or epoch supersession");
    return STEME_OK;
}

static bool
is_what_if(const steme_query *q)
{
    return q->what_if_retract.len > 0 || q->has_what_if_distrust ||
           q->what_if_supersede_epoch.len > 0;
}

/* ---------------------------------------------------------------------------------------------
 * Receipts (docs/lenses.md "Receipts")
 */

static void
h_u8(steme__hasher *h, uint8_t v)
{
    steme__hash256_update(h, &v, 1);
}

static void
h_u32(steme__hasher *h, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    steme__hash256_update(h, b, 4);
}

static void
h_u64(steme__hasher *h, uint64_t v)
{
    uint8_t b[8];
    steme__key_seq(b, v);
    steme__hash256_update(h, b, 8);
}

static void
h_str(steme__hasher *h, steme_str s)
{
    h_u32(h, (uint32_t)s.len);
    if (s.len > 0)
        steme__hash256_update(h, s.ptr, s.len);
}

/* Everything a receipt names but the format and the position, in format 1's order. */
static void
receipt_body(steme__hasher *h, const uint8_t *params, size_t pl, const uint64_t *position,
             const steme_query *q, uint32_t stages, uint32_t tiers, const steme_answer *a)
{
    h_u8(h, (uint8_t)pl);
    steme__hash256_update(h, params, pl);
    if (position != NULL) /* format 1 only */
        h_u64(h, *position);
    h_u8(h, q->has_valid_at);
    h_u64(h, q->has_valid_at ? (uint64_t)q->valid_at : 0);
    h_str(h, a->subject);
    h_str(h, a->predicate);
    h_u8(h, q->subject_prefix);
    h_str(h, q->subject_prefix ? q->subject : steme_str_c(""));
    h_u32(h, stages);
    h_u32(h, tiers);
    h_u8(h, q->has_agent);
    if (q->has_agent)
        steme__hash256_update(h, q->agent.b, STEME_PUBKEY_SIZE);
    h_str(h, q->what_if_retract);
    /* Optional parts, tagged: a tag byte can never start the u32 count that follows
     * otherwise (at most STEME_QUERY_MAX_CANDS < 2^24), so receipts of queries without
     * them are those of format 1 before they existed. */
    if (q->has_what_if_distrust) {
        h_u8(h, 'D');
        steme__hash256_update(h, q->what_if_distrust.b, STEME_PUBKEY_SIZE);
    }
    if (q->what_if_supersede_epoch.len > 0) {
        h_u8(h, 'E');
        h_str(h, q->what_if_supersede_epoch);
        h_str(h, q->what_if_successor);
    }
    h_u32(h, (uint32_t)a->n_candidates);
    /* The ids, in one update: they are contiguous (steme_id is its 32 bytes). */
    _Static_assert(sizeof(steme_id) == STEME_ID_SIZE, "steme_id has no padding");
    if (a->n_candidates > 0)
        steme__hash256_update(h, a->candidates, a->n_candidates * sizeof(steme_id));
}

/* Format 2's core: the receipt's inputs without the position, so that an answer served at a
 * later position (a materialized view) gets its receipt from one short hash. */
static void
receipt_core(const uint8_t *params, size_t pl, const steme_query *q, uint32_t stages,
             uint32_t tiers, const steme_answer *a, uint8_t out[32])
{
    steme__hasher h;

    steme__hash256_init(&h);
    receipt_body(&h, params, pl, NULL, q, stages, tiers, a);
    steme__hash256_final(&h, out);
}

/* Format 2: BLAKE2b-256(u8 2 || core || u64 position). */
static void
receipt_at(const uint8_t core[32], uint64_t position, uint8_t out[32])
{
    steme__hasher h;

    steme__hash256_init(&h);
    h_u8(&h, RECEIPT_FORMAT);
    steme__hash256_update(&h, core, 32);
    h_u64(&h, position);
    steme__hash256_final(&h, out);
}

/* Format 1, kept so that receipts issued before format 2 (in query audits, say) verify. */
static void
receipt_v1(const uint8_t *params, size_t pl, uint64_t position, const steme_query *q,
           uint32_t stages, uint32_t tiers, const steme_answer *a, uint8_t out[32])
{
    steme__hasher h;

    steme__hash256_init(&h);
    h_u8(&h, RECEIPT_FORMAT_V1);
    receipt_body(&h, params, pl, &position, q, stages, tiers, a);
    steme__hash256_final(&h, out);
}

/* ---------------------------------------------------------------------------------------------
 * Grouping rows into answers
 */

/* Byte order of two strings, shorter first on a common prefix. The rows of one key usually
 * borrow the same subject and predicate bytes, so equal pointers answer before memcmp. */
static int
str_order(steme_str a, steme_str b)
{
    if (a.ptr == b.ptr && a.len == b.len)
        return 0;
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c == 0 && a.len != b.len)
        c = a.len < b.len ? -1 : 1;
    return c;
}

static int
row_cmp(const void *pa, const void *pb)
{
    const steme__qrow *a = pa, *b = pb;
    int c = str_order(a->subject, b->subject);
    if (c == 0)
        c = str_order(a->predicate, b->predicate);
    if (c != 0)
        return c;
    return a->cand.seq < b->cand.seq ? -1 : a->cand.seq > b->cand.seq;
}

static bool
sorted(const steme__qrow *rows, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (row_cmp(&rows[i - 1], &rows[i]) > 0)
            return false;
    }
    return true;
}

static bool
same_key(const steme__qrow *a, const steme__qrow *b)
{
    return str_order(a->subject, b->subject) == 0 && str_order(a->predicate, b->predicate) == 0;
}

/* The explanation: the lens's, then what the filters left out. */
static char *
explain(const steme__lens_result *lr, const steme_answer *a)
{
    size_t cap = lr->explanation_len + 200;
    char *s = steme__malloc(cap);
    uint32_t out = a->excluded_stage + a->excluded_valid_time + a->excluded_filter;

    if (s == NULL)
        return NULL;
    memcpy(s, lr->explanation, lr->explanation_len + 1);
    if (out > 0)
        snprintf(s + lr->explanation_len, cap - lr->explanation_len,
                 "; left out: %u not in the requested stages, %u not valid at valid_at, %u "
                 "by the tier or agent filter",
                 a->excluded_stage, a->excluded_valid_time, a->excluded_filter);
    return s;
}

/* Run the lens over rows[0..n) (one key) and fill answer i. */
static steme_err
answer_one(steme_result *r, size_t i, const steme__lens_params *p, steme__qrow *rows, size_t n)
{
    steme_answer *a = &r->answers[i];
    answer_mem *m = &r->mem[i];
    const steme__cand **cands; /* the rows' own: nothing is copied */
    size_t nc = 0;
    steme_err err;

    a->subject = rows[0].subject;
    a->predicate = rows[0].predicate;
    for (size_t k = 0; k < n; k++) {
        a->excluded_stage += rows[k].excl == STEME__QX_STAGE;
        a->excluded_valid_time += rows[k].excl == STEME__QX_VALID;
        a->excluded_filter += rows[k].excl == STEME__QX_FILTER;
        nc += rows[k].excl == STEME__QX_NONE;
    }
    if (nc > STEME_QUERY_MAX_CANDS)
        return STEME_ELIMIT;
    if ((cands = steme__malloc((nc > 0 ? nc : 1) * sizeof(*cands))) == NULL)
        return STEME_ENOMEM;
    nc = 0;
    for (size_t k = 0; k < n; k++) {
        if (rows[k].excl == STEME__QX_NONE)
            cands[nc++] = &rows[k].cand;
    }
    err = steme__lens_run_ptrs(p, cands, nc, &m->lr);
    if (err != STEME_OK)
        goto out_free_cands;
    err = STEME_ENOMEM;
    m->alts = steme__calloc(m->lr.n_groups > 0 ? m->lr.n_groups : 1, sizeof(*m->alts));
    m->ids = steme__calloc(m->lr.n_support + nc + 1, sizeof(*m->ids));
    if (m->alts == NULL || m->ids == NULL)
        goto out_free_cands;
    for (size_t g = 0; g < m->lr.n_groups; g++) {
        const steme__lens_group *gr = &m->lr.groups[g];
        steme_alternative *alt = &m->alts[g];
        alt->value = gr->value;
        alt->weight = gr->weight;
        alt->share = gr->share;
        alt->evidence = gr->evidence;
        alt->agents = gr->agents;
        alt->sources = gr->sources;
        alt->assertions = gr->assertions;
        alt->best_tier = gr->best_tier;
        alt->up = gr->up;
        alt->down = gr->down;
        alt->outlier = gr->outlier;
    }
    /* Support by seq: rows are in seq order within the key, and so are the support seqs. */
    for (size_t s = 0, k = 0; s < m->lr.n_support; s++) {
        while (k < n && rows[k].cand.seq != m->lr.support[s])
            k++;
        if (k == n) {
            err = STEME_ECORRUPT;
            goto out_free_cands;
        }
        m->ids[s] = rows[k].cand.id;
    }
    for (size_t k = 0; k < nc; k++)
        m->ids[m->lr.n_support + k] = cands[k]->id;
    steme__ids_sort(m->ids + m->lr.n_support, nc);
    a->has_winner = m->lr.has_winner;
    a->winner = m->lr.winner;
    a->reason = steme__lens_reason_name(m->lr.reason);
    a->reason_text = m->lr.reason_text;
    a->decided_by = steme__lens_kind_name(m->lr.decided_by);
    a->lead = m->lr.lead;
    a->conflict = m->lr.conflict;
    a->alternatives = m->alts;
    a->n_alternatives = m->lr.n_groups;
    a->support = m->ids;
    a->n_support = m->lr.n_support;
    a->candidates = m->ids + m->lr.n_support;
    a->n_candidates = nc;
    if ((m->explanation = explain(&m->lr, a)) == NULL)
        goto out_free_cands;
    a->explanation = m->explanation;
    err = STEME_OK;
out_free_cands:
    steme__free(cands);
    return err;
}

/* Sort the gathered rows by key and answer each key; a query naming a predicate always gets
 * one answer. */
static steme_err
build(steme_result *r, const steme_query *q, const steme__lens_params *p)
{
    steme__qset *set = &r->set;
    size_t keys = 0;
    steme_err err;

    /* Rows of one key arrive in seq order: sort only what is not sorted already. */
    if (set->n > 1 && !sorted(set->rows, set->n))
        qsort(set->rows, set->n, sizeof(*set->rows), row_cmp);
    for (size_t i = 0; i < set->n; i++)
        keys += i == 0 || !same_key(&set->rows[i - 1], &set->rows[i]);
    /* One more than the keys: steme_result_free also frees the half-built answer n after a
     * failure, and a key with no rows still gets its answer 0 (so n + 1 may be 2). */
    r->answers = steme__calloc(keys + 2, sizeof(*r->answers));
    r->mem = steme__calloc(keys + 2, sizeof(*r->mem));
    if (r->answers == NULL || r->mem == NULL)
        return STEME_ENOMEM;
    for (size_t i = 0; i < set->n;) {
        size_t j = i + 1;
        while (j < set->n && same_key(&set->rows[i], &set->rows[j]))
            j++;
        if ((err = answer_one(r, r->n, p, set->rows + i, j - i)) != STEME_OK)
            return err;
        r->n++;
        i = j;
    }
    if (keys == 0 && q->predicate.len > 0 && !q->subject_prefix) {
        /* Nothing visible: still one answer, with reason "empty" and a receipt. */
        steme__qrow none;
        memset(&none, 0, sizeof(none));
        none.subject = q->subject;
        none.predicate = q->predicate;
        if ((err = steme__lens_run(p, NULL, 0, &r->mem[0].lr)) != STEME_OK)
            return err;
        steme_answer *a = &r->answers[0];
        answer_mem *m = &r->mem[0];
        a->subject = q->subject;
        a->predicate = q->predicate;
        a->reason = steme__lens_reason_name(m->lr.reason);
        a->reason_text = m->lr.reason_text;
        a->decided_by = steme__lens_kind_name(m->lr.decided_by);
        a->conflict = m->lr.conflict;
        if ((m->explanation = explain(&m->lr, a)) == NULL)
            return STEME_ENOMEM;
        a->explanation = m->explanation;
        r->n = 1;
    }
    return STEME_OK;
}

void
steme_result_free(steme_result *r)
{
    if (r == NULL)
        return;
    if (r->flat != NULL) {
        /* A clone: the last of the views and its readers frees it. */
        if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) > 1)
            return;
        steme__free(r->flat);
        steme__free(r);
        return;
    }
    steme__free(r->cores);
    for (size_t i = 0; r->mem != NULL && i < r->n + 1; i++) {
        steme__lens_result_free(&r->mem[i].lr);
        steme__free(r->mem[i].alts);
        steme__free(r->mem[i].ids);
        steme__free(r->mem[i].explanation);
    }
    steme__free(r->mem);
    steme__free(r->answers);
    steme__qset_free(&r->set);
    steme_result_free(r->baseline);
    steme__free(r);
}

size_t
steme_result_count(const steme_result *r)
{
    return r != NULL ? r->n : 0;
}

const steme_answer *
steme_result_answer(const steme_result *r, size_t i)
{
    return r != NULL && i < r->n ? &r->answers[i] : NULL;
}

uint64_t
steme_result_position(const steme_result *r)
{
    return r != NULL ? r->position : 0;
}

uint64_t
steme_result_computed_at(const steme_result *r)
{
    return r != NULL ? r->computed_at : 0;
}

bool
steme_result_materialized(const steme_result *r)
{
    return r != NULL && r->materialized;
}

/* Copy n bytes to *cur (advancing it) and return the copy; NULL stays NULL. */
static const void *
flat_copy(uint8_t **cur, const void *p, size_t n)
{
    uint8_t *out = *cur;

    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(out, p, n);
    *cur += n;
    return out;
}

static steme_str
flat_str(uint8_t **cur, steme_str s)
{
    steme_str out = {flat_copy(cur, s.ptr, s.len), s.len};
    return out;
}

steme_err
steme__result_clone(const steme_result *r, steme_result **ret)
{
    size_t n_alts = 0, n_ids = 0, n_bytes = 0, size;
    steme_result *c;
    uint8_t *cur;

    for (size_t i = 0; i < r->n; i++) {
        const steme_answer *a = &r->answers[i];
        n_alts += a->n_alternatives;
        n_ids += a->n_support + a->n_candidates;
        n_bytes += a->subject.len + a->predicate.len + strlen(a->explanation) + 1;
        for (size_t k = 0; k < a->n_alternatives; k++)
            n_bytes += a->alternatives[k].value.str.len + a->alternatives[k].value.unit.len;
        n_bytes += a->baseline_winner.str.len + a->baseline_winner.unit.len;
    }
    size = r->n * sizeof(steme_answer) + n_alts * sizeof(steme_alternative) +
           n_ids * sizeof(steme_id) + (r->cores != NULL ? r->n * 32 : 0) + n_bytes;
    if ((c = steme__calloc(1, sizeof(*c))) == NULL)
        return STEME_ENOMEM;
    if ((c->flat = steme__malloc(size > 0 ? size : 1)) == NULL) {
        steme__free(c);
        return STEME_ENOMEM;
    }
    atomic_init(&c->refs, 1);
    c->flat_size = size;
    c->n = r->n;
    c->position = r->position;
    c->computed_at = r->computed_at;
    c->materialized = r->materialized;
    memcpy(c->lens, r->lens, sizeof(c->lens));
    c->version = r->version;
    /* answers, then alternatives, then ids, then bytes: each part stays aligned. */
    c->answers = c->flat;
    cur = (uint8_t *)c->flat + r->n * sizeof(steme_answer);
    for (size_t i = 0; i < r->n; i++) {
        steme_answer *a = &c->answers[i];
        *a = r->answers[i];
        a->alternatives =
            flat_copy(&cur, a->alternatives, a->n_alternatives * sizeof(*a->alternatives));
    }
    for (size_t i = 0; i < r->n; i++) {
        steme_answer *a = &c->answers[i];
        const steme_id *ids = flat_copy(&cur, a->support, a->n_support * sizeof(steme_id));
        a->candidates = flat_copy(&cur, a->candidates, a->n_candidates * sizeof(steme_id));
        a->support = ids;
    }
    if (r->cores != NULL)
        c->cores = (uint8_t(*)[32])flat_copy(&cur, r->cores, r->n * 32);
    for (size_t i = 0; i < r->n; i++) {
        steme_answer *a = &c->answers[i];
        a->subject = flat_str(&cur, a->subject);
        a->predicate = flat_str(&cur, a->predicate);
        a->explanation = flat_copy(&cur, a->explanation, strlen(a->explanation) + 1);
        for (size_t k = 0; k < a->n_alternatives; k++) {
            steme_alternative *alt = (steme_alternative *)&a->alternatives[k];
            alt->value.str = flat_str(&cur, alt->value.str);
            alt->value.unit = flat_str(&cur, alt->value.unit);
        }
        /* A what-if is never cached, so a clone has no baseline result to borrow from. */
        a->baseline_winner.str = flat_str(&cur, a->baseline_winner.str);
        a->baseline_winner.unit = flat_str(&cur, a->baseline_winner.unit);
    }
    assert(cur == (uint8_t *)c->flat + size);
    *ret = c;
    return STEME_OK;
}

size_t
steme__result_size(const steme_result *clone)
{
    return sizeof(*clone) + clone->flat_size;
}

steme_result *
steme__result_ref(steme_result *clone)
{
    assert(clone->flat != NULL);
    atomic_fetch_add_explicit(&clone->refs, 1, memory_order_relaxed);
    return clone;
}

const char *
steme_result_lens(const steme_result *r)
{
    return r != NULL ? r->lens : NULL;
}

uint32_t
steme_result_lens_version(const steme_result *r)
{
    return r != NULL ? r->version : 0;
}

bool
steme_result_what_if(const steme_result *r)
{
    return r != NULL && r->what_if;
}

const steme_result *
steme_result_baseline(const steme_result *r)
{
    return r != NULL ? r->baseline : NULL;
}

size_t
steme_result_changed(const steme_result *r)
{
    return r != NULL ? r->changed : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Running a query
 */

typedef struct run_ctx {
    const steme_query *q;
    uint64_t position; /* 0: resolve from the query */
    steme__lens_params p;
    uint32_t stages, tiers;
    steme_errinfo *ei;
    steme_result *r;
    bool base_pass;          /* a what-if's baseline: run without the what-ifs */
    steme__linputs *linputs; /* the db's lens-input cache; NULL in a dry run */
} run_ctx;

/* What-if distrust: the agent's assertions are left out as if quarantined and never let
 * out, whatever the stages asked for; an assertion already left out keeps its first reason. */
static void
distrust_rows(steme__qset *set, const steme_pubkey *agent)
{
    for (size_t i = 0; i < set->n; i++) {
        steme__qrow *row = &set->rows[i];
        if (memcmp(row->cand.agent.b, agent->b, STEME_PUBKEY_SIZE) != 0)
            continue;
        row->cand.trust = 0;
        if (row->excl == STEME__QX_NONE)
            row->excl = STEME__QX_FILTER;
    }
}

/* Gather and build inside t (a snapshot, or a dry run with the what-if applied). */
static steme_err
run_in(steme__txn *t, run_ctx *rc)
{
    const steme_query *q = rc->q;
    uint64_t last, position;
    steme_err err;

    if ((err = steme__query_last_seq(t, &last)) != STEME_OK)
        return err;
    if (rc->position != 0) {
        position = rc->position;
    } else if (q->as_of != 0) {
        position = q->as_of;
    } else if (q->as_of_time > 0) {
        /* Answering "as of" a time still to come with today's log would be an answer that
         * changes when that time comes: refused, like a position beyond the log. */
        if (q->as_of_time > steme_now_ms())
            return refuse(rc->ei, "as_of_time", "in the future");
        if ((err = steme__query_seq_at_time(t, last, q->as_of_time, &position)) != STEME_OK)
            return err;
        if (position == 0)
            return refuse(rc->ei, "as_of_time", "before the first record");
    } else {
        position = last;
    }
    if (position > last)
        return refuse(rc->ei, "as_of", "beyond the last log position");
    if (q->what_if_retract.len > 0 && position != last)
        return refuse(rc->ei, "what_if_retract", "only at the latest position");
    if (q->what_if_supersede_epoch.len > 0 && position != last)
        return refuse(rc->ei, "what_if_supersede_epoch", "only at the latest position");
    rc->r->position = position;
    if (position > 0) {
        err = steme__query_gather(t, q, position, position == last,
                                  steme__lens_uses(&rc->p, STEME__LENS_TRUST_AUTHORITY), rc->stages,
                                  rc->tiers, rc->linputs, &rc->r->set);
        if (err != STEME_OK)
            return err;
        if (q->has_what_if_distrust && !rc->base_pass)
            distrust_rows(&rc->r->set, &q->what_if_distrust);
    }
    return build(rc->r, q, &rc->p);
}

/* The baseline of a what-if inside t, before any what-if is applied to t. */
static steme_err
run_baseline(steme__txn *t, run_ctx *rc)
{
    steme__agent_row agent;
    steme_result *r = rc->r;
    steme_err err;

    if (rc->q->has_what_if_distrust) {
        err = steme__agent_get(t, &rc->q->what_if_distrust, &agent);
        if (err == STEME_ENOTFOUND)
            return refuse(rc->ei, "what_if_distrust", "no such agent");
        if (err != STEME_OK)
            return err;
    }
    if ((r->baseline = steme__calloc(1, sizeof(*r->baseline))) == NULL)
        return STEME_ENOMEM;
    memcpy(r->baseline->lens, r->lens, sizeof(r->lens));
    r->baseline->version = r->version;
    rc->r = r->baseline;
    rc->base_pass = true;
    err = run_in(t, rc);
    rc->base_pass = false;
    rc->r = r;
    return err;
}

/* A what-if that changes derived state, inside a dry-run transaction: the baseline, then the
 * real rules applied (in a transaction that is thrown away; cause 0 marks a dry run), then the
 * query again. The stages they change are read from the state rows (position latest). */
static steme_err
what_if_run(steme__txn *t, void *ctx)
{
    run_ctx *rc = ctx;
    const steme_query *q = rc->q;
    steme_err err;

    if ((err = run_baseline(t, rc)) != STEME_OK)
        return err;
    if (q->what_if_retract.len > 0) {
        steme__source_row src;
        steme_cascade_report rep;
        err = steme__source_get(t, q->what_if_retract, &src);
        if (err == STEME_ENOTFOUND)
            return refuse(rc->ei, "what_if_retract", "no such source");
        if (err != STEME_OK)
            return err;
        if (src.status == STEME_SOURCE_RETRACTED)
            return refuse(rc->ei, "what_if_retract", "the source is already retracted");
        if ((err = steme__source_cascade(t, q->what_if_retract, true, 0, &rep)) != STEME_OK)
            return err;
    }
    if (q->what_if_supersede_epoch.len > 0) {
        uint64_t count;
        err = steme__epoch_supersede_dry(t, q->what_if_supersede_epoch, q->what_if_successor,
                                         rc->ei, &count);
        if (err != STEME_OK)
            return err;
    }
    return run_in(t, rc);
}

/* A read-only what-if (distrust alone) inside snapshot t: the baseline, then the query. */
static steme_err
what_if_snap(steme__txn *t, run_ctx *rc)
{
    steme_err err = run_baseline(t, rc);

    return err == STEME_OK ? run_in(t, rc) : err;
}

static int
key_cmp(const steme_answer *a, const steme_answer *b)
{
    size_t n = a->subject.len < b->subject.len ? a->subject.len : b->subject.len;
    int c = n > 0 ? memcmp(a->subject.ptr, b->subject.ptr, n) : 0;

    if (c == 0 && a->subject.len != b->subject.len)
        c = a->subject.len < b->subject.len ? -1 : 1;
    if (c != 0)
        return c;
    n = a->predicate.len < b->predicate.len ? a->predicate.len : b->predicate.len;
    c = n > 0 ? memcmp(a->predicate.ptr, b->predicate.ptr, n) : 0;
    if (c == 0 && a->predicate.len != b->predicate.len)
        c = a->predicate.len < b->predicate.len ? -1 : 1;
    return c;
}

/* Whether two winners are the same value as the lens groups values. */
static bool
same_value(const steme_value *x, const steme_value *y)
{
    steme__vnorm a, b;

    if (steme__value_norm(x, &a) != STEME_OK || steme__value_norm(y, &b) != STEME_OK)
        return false;
    return steme__vnorm_cmp(&a, &b) <= 0 ? steme__vnorm_near(&a, &b) : steme__vnorm_near(&b, &a);
}

/* Give each what-if answer its baseline conclusion and whether it changed. Both results are
 * in key order; the what-if leaves every row visible (it only changes stages or filters), so
 * the keys match, but a key missing from the baseline counts as "no winner". */
static void
compare_baseline(steme_result *r)
{
    const steme_result *b = r->baseline;
    size_t j = 0;

    r->what_if = true;
    r->changed = 0;
    for (size_t i = 0; i < r->n; i++) {
        steme_answer *a = &r->answers[i];
        const steme_answer *base = NULL;
        while (j < b->n && key_cmp(&b->answers[j], a) < 0)
            j++;
        if (j < b->n && key_cmp(&b->answers[j], a) == 0)
            base = &b->answers[j];
        a->baseline_has_winner = base != NULL && base->has_winner;
        a->baseline_reason = base != NULL ? base->reason : "empty";
        if (a->baseline_has_winner)
            a->baseline_winner = base->alternatives[base->winner].value;
        if (a->has_winner != a->baseline_has_winner)
            a->changed = true;
        else if (a->has_winner)
            a->changed = !same_value(&a->alternatives[a->winner].value, &a->baseline_winner);
        r->changed += a->changed;
    }
}

/* Receipts of every answer of rc->r at its position. */
static steme_err
receipts(run_ctx *rc)
{
    uint8_t params[STEME__LENS_PARAMS_MAX];
    size_t pl;
    steme_result *r = rc->r;
    steme_err err = steme__lens_params_encode(&rc->p, params, sizeof(params), &pl);

    if (err == STEME_OK && r->cores == NULL &&
        (r->cores = steme__calloc(r->n > 0 ? r->n : 1, sizeof(*r->cores))) == NULL)
        err = STEME_ENOMEM;
    for (size_t i = 0; err == STEME_OK && i < r->n; i++) {
        receipt_core(params, pl, rc->q, rc->stages, rc->tiers, &r->answers[i], r->cores[i]);
        receipt_at(r->cores[i], r->position, r->answers[i].receipt);
    }
    if (err == STEME_OK && rc->r->baseline != NULL) {
        /* The baseline's receipts are those of the query without its what-ifs. */
        steme_query base = *rc->q;
        run_ctx bc = *rc;
        base.what_if_retract = steme_str_c("");
        base.has_what_if_distrust = false;
        base.what_if_supersede_epoch = steme_str_c("");
        base.what_if_successor = steme_str_c("");
        bc.q = &base;
        bc.r = rc->r->baseline;
        err = receipts(&bc);
    }
    return err;
}

/* Room for the canonical bytes of a cacheable query (mv_key). */
#define MV_KEY_MAX (8 + STEME_MAX_SUBJECT + STEME_MAX_PREDICATE + STEME__LENS_PARAMS_MAX + 64)

/* The canonical bytes of everything that determines a cacheable query's answer besides the
 * store: subject, predicate, lens and parameters (canonical), valid time and filters. */
static steme_err
mv_key(const run_ctx *rc, uint8_t *k, size_t *ret_len)
{
    const steme_query *q = rc->q;
    size_t n = 0, pl;
    steme_err err;

    steme__put_u32(k + n, (uint32_t)q->subject.len);
    n += 4;
    if (q->subject.len)
        memcpy(k + n, q->subject.ptr, q->subject.len);
    n += q->subject.len;
    steme__put_u32(k + n, (uint32_t)q->predicate.len);
    n += 4;
    if (q->predicate.len) /* an empty predicate may have a NULL pointer */
        memcpy(k + n, q->predicate.ptr, q->predicate.len);
    n += q->predicate.len;
    err = steme__lens_params_encode(&rc->p, k + n + 1, STEME__LENS_PARAMS_MAX, &pl);
    if (err != STEME_OK)
        return err;
    k[n] = (uint8_t)pl;
    n += 1 + pl;
    k[n++] = q->has_valid_at;
    steme__put_u64(k + n, q->has_valid_at ? (uint64_t)q->valid_at : 0);
    n += 8;
    steme__put_u32(k + n, rc->stages);
    n += 4;
    steme__put_u32(k + n, rc->tiers);
    n += 4;
    k[n++] = q->has_agent;
    if (q->has_agent) {
        memcpy(k + n, q->agent.b, STEME_PUBKEY_SIZE);
        n += STEME_PUBKEY_SIZE;
    }
    assert(n <= MV_KEY_MAX);
    *ret_len = n;
    return STEME_OK;
}

/* A cacheable query inside snapshot t: the materialized answer when it is still exact
 * (*ret_hit), else a fresh one, kept for next time. */
static steme_err
run_mv(steme_db *db, steme__txn *t, run_ctx *rc, bool *ret_hit)
{
    const steme_query *q = rc->q;
    uint8_t key[MV_KEY_MAX];
    uint64_t last, k_stamp, t_stamp, s_stamp, depends;
    steme_result *hit = NULL;
    size_t kl;
    steme_err err;

    *ret_hit = false;
    if ((err = mv_key(rc, key, &kl)) != STEME_OK)
        return err;
    if ((err = steme__txn_last_seq(t, &last)) != STEME_OK)
        return err;
    /* An answer already confirmed at the latest position needs no stamps: the common case of
     * a hot key between writes, where the stamps' lookup was the largest cost of a hit. */
    if (steme__mv_get_current(db->mv, key, kl, last, &hit) == STEME_OK) {
        steme_result_free(rc->r);
        rc->r = hit;
        *ret_hit = true;
        return STEME_OK;
    }
    err = steme__stamps_get(t, q->subject, q->predicate, &k_stamp, &t_stamp, &s_stamp);
    if (err != STEME_OK)
        return err;
    depends = k_stamp > s_stamp ? k_stamp : s_stamp;
    if (steme__lens_uses(&rc->p, STEME__LENS_TRUST_AUTHORITY) && t_stamp > depends)
        depends = t_stamp;
    err = steme__mv_get(db->mv, key, kl, depends, &hit);
    if (err == STEME_OK) {
        /* Nothing it read changed since it was computed: it is the answer at the latest
         * position too. Served as it is when it already names that position; else a copy
         * naming it, with the receipts for it, replaces the entry. */
        steme_result_free(rc->r);
        rc->r = hit;
        *ret_hit = true;
        if (hit->position == last)
            return STEME_OK;
        if (hit->cores == NULL)
            return STEME_ECORRUPT;
        err = steme__result_clone(hit, &rc->r);
        steme_result_free(hit);
        if (err != STEME_OK) {
            rc->r = NULL;
            return err;
        }
        rc->r->position = last;
        for (size_t i = 0; i < rc->r->n; i++)
            receipt_at(rc->r->cores[i], last, rc->r->answers[i].receipt);
        (void)steme__mv_put(db->mv, key, kl, steme__result_ref(rc->r));
        return STEME_OK;
    }
    if (err != STEME_ENOTFOUND)
        return err;
    rc->position = last;
    if ((err = run_in(t, rc)) != STEME_OK)
        return err;
    rc->r->computed_at = rc->r->position;
    if ((err = receipts(rc)) != STEME_OK)
        return err;
    /* A full cache or no memory for the copy only costs the next read a recomputation. */
    steme_result *keep;
    if (steme__result_clone(rc->r, &keep) == STEME_OK) {
        keep->materialized = true;
        (void)steme__mv_put(db->mv, key, kl, keep);
    }
    return STEME_OK;
}

static bool
cacheable(const steme_db *db, const steme_query *q, uint64_t position)
{
    return db->mv != NULL && !q->no_cache && position == 0 && q->as_of == 0 && q->as_of_time == 0 &&
           q->predicate.len > 0 && !q->subject_prefix && !is_what_if(q);
}

static steme_err
query_at(steme_db *db, const steme_query *q, uint64_t position, steme_result **ret,
         steme_errinfo *ei)
{
    run_ctx rc = {.q = q, .position = position, .ei = ei};
    steme__snap *snap;
    bool hit = false;
    steme_err err;

    if (db == NULL || q == NULL || ret == NULL)
        return STEME_EINVAL;
    if ((err = check_query(q, &rc.p, &rc.stages, &rc.tiers, ei)) != STEME_OK)
        return err;
    if (!str_ok(q->asker, STEME_MAX_AUDIT_ASKER))
        return refuse(ei, "asker", "longer than 256 bytes");
    if (q->audit && db->opts.read_only)
        return refuse(ei, "audit", "the query audit needs a writable store");
    if ((rc.r = steme__calloc(1, sizeof(*rc.r))) == NULL)
        return STEME_ENOMEM;
    lens_name(&rc.p, rc.r->lens);
    rc.r->version = rc.p.version;
    if (q->what_if_retract.len > 0 || q->what_if_supersede_epoch.len > 0) {
        err = steme__store_dry_run(db->store, what_if_run, &rc);
    } else if ((err = steme__snap_begin(db->store, &snap)) == STEME_OK) {
        rc.linputs = db->linputs;
        if (q->has_what_if_distrust)
            err = what_if_snap(steme__snap_txn(snap), &rc);
        else if (cacheable(db, q, position))
            err = run_mv(db, steme__snap_txn(snap), &rc, &hit);
        else
            err = run_in(steme__snap_txn(snap), &rc);
        steme__snap_end(snap);
    }
    if (err == STEME_OK && rc.r->baseline != NULL) {
        rc.r->baseline->computed_at = rc.r->baseline->position;
        compare_baseline(rc.r);
    }
    if (err == STEME_OK && !hit && rc.r->computed_at == 0)
        rc.r->computed_at = rc.r->position;
    if (err == STEME_OK && !cacheable(db, q, position))
        err = receipts(&rc);
    if (err == STEME_OK && q->audit)
        err = steme__audit_write(db, q, rc.stages, rc.tiers, rc.r);
    if (err == STEME_ELIMIT && ei != NULL && ei->field == NULL) {
        /* A lens never drops evidence: the caller is told to narrow the query. */
        ei->field = q->predicate.len > 0 ? "predicate" : "subject";
        ei->rule = limit_rule;
        ei->offset = 0;
    }
    if (err != STEME_OK) {
        steme_result_free(rc.r);
        return err;
    }
    *ret = rc.r;
    return STEME_OK;
}

steme_err
steme_db_query(steme_db *db, const steme_query *q, steme_result **ret, steme_errinfo *ei)
{
    return query_at(db, q, 0, ret, ei);
}

steme_err
steme_db_verify_receipt(steme_db *db, const steme_query *q, uint64_t position,
                        const uint8_t receipt_in[32], bool *ret_match, uint8_t ret_receipt[32],
                        steme_errinfo *ei)
{
    steme_query at;
    steme_result *r;
    steme_err err;

    if (db == NULL || q == NULL || receipt_in == NULL || ret_match == NULL)
        return STEME_EINVAL;
    if (q->predicate.len == 0 || q->subject_prefix)
        return refuse(ei, "predicate", "a receipt is verified for one subject and predicate");
    if (position == 0)
        return refuse(ei, "as_of", "a receipt names a log position >= 1");
    at = *q;
    at.as_of = 0;
    at.as_of_time = 0;
    if ((err = query_at(db, &at, position, &r, ei)) != STEME_OK)
        return err;
    const steme_answer *a = steme_result_answer(r, 0);
    *ret_match = memcmp(a->receipt, receipt_in, 32) == 0;
    if (!*ret_match) {
        /* A receipt issued before format 2 names the same inputs in format 1. */
        steme__lens_params p;
        uint32_t stages, tiers;
        uint8_t params[STEME__LENS_PARAMS_MAX], v1[32];
        size_t pl;
        if (check_query(&at, &p, &stages, &tiers, NULL) == STEME_OK &&
            steme__lens_params_encode(&p, params, sizeof(params), &pl) == STEME_OK) {
            receipt_v1(params, pl, position, &at, stages, tiers, a, v1);
            *ret_match = memcmp(v1, receipt_in, 32) == 0;
        }
    }
    if (ret_receipt != NULL)
        memcpy(ret_receipt, a->receipt, 32);
    steme_result_free(r);
    return STEME_OK;
}
