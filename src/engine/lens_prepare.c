/* SPDX-License-Identifier: MIT */
/*
 * lens_prepare.c -- the one preparation every lens shares (lens.c runs it once per run):
 * candidate checks, sort by seq, group by value (distinct values hashed, sorted and grouped by
 * tolerance), each group's members by seq, and its support over distinct agents and sources
 * (hashed, or sorted when the tables give up).
 *
 * Determinism is by construction: every order is a total order ending in seq ((group, seq),
 * and on the fallback paths (group, agent or source bytes, seq)), and what hash tables gather
 * are sums and maxima, so the input order never shows; integer sums are exact and double sums
 * add their terms in ascending order (steme__lens_sum).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "bytes.h"
#include "fasthash.h"
#include "lens_int.h"
#include "lens_sort.h"

/* ---------------------------------------------------------------------------------------------
 * Checks
 */

static bool
unit_interval(double x)
{
    return isfinite(x) && x >= 0 && x <= 1;
}

static steme_err
check_cand(const steme__cand *c, steme__vnorm *ret_norm)
{
    if (c->tier < STEME_TIER_REGULATORY || c->tier > STEME_TIER_UNVERIFIED)
        return STEME_EINVAL;
    if (c->weight > STEME_CONFIDENCE_ONE || c->confidence > STEME_CONFIDENCE_ONE)
        return STEME_EINVAL;
    if (!unit_interval(c->trust) || !unit_interval(c->reliability))
        return STEME_EINVAL;
    if (c->source.len > STEME_MAX_SOURCE || (c->source.len && c->source.ptr == NULL))
        return STEME_EINVAL;
    return steme__value_norm(&c->value, ret_norm);
}

/* ---------------------------------------------------------------------------------------------
 * Preparation
 */

/* The lens's orders over its items (lens_sort.h), each total: it ends in seq. */
#define SEQ_LESS(a, b)          (seq_order(a, b) < 0)
#define VALUE_LESS(a, b)        (by_value(a, b) < 0)
#define GROUP_AGENT_LESS(a, b)  (by_group_agent(a, b) < 0)
#define GROUP_SOURCE_LESS(a, b) (by_group_source(a, b) < 0)

static inline int
seq_order(const steme__lens_item *a, const steme__lens_item *b)
{
    return a->c->seq < b->c->seq ? -1 : a->c->seq > b->c->seq;
}

static inline int
by_value(const steme__lens_item *x, const steme__lens_item *y)
{
    int c = steme__vnorm_cmp(&x->norm, &y->norm);
    return c ? c : seq_order(x, y);
}

static inline int
by_group_agent(const steme__lens_item *x, const steme__lens_item *y)
{
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->agent8 != y->agent8)
        return x->agent8 < y->agent8 ? -1 : 1;
    int c = memcmp(x->c->agent.b + 8, y->c->agent.b + 8, STEME_PUBKEY_SIZE - 8);
    return c ? c : seq_order(x, y);
}

static uint64_t
prefix8(steme_str s)
{
    uint8_t b[8] = {0};
    if (s.len > 0)
        memcpy(b, s.ptr, s.len < 8 ? s.len : 8);
    return steme__get_u64(b);
}

static int
str_cmp(steme_str a, steme_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

static inline int
by_group_source(const steme__lens_item *x, const steme__lens_item *y)
{
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->source8 != y->source8) /* zero padding sorts a prefix first, as str_cmp does */
        return x->source8 < y->source8 ? -1 : 1;
    int c = str_cmp(x->c->source, y->c->source);
    return c ? c : seq_order(x, y);
}

STEME__DEFINE_SORT(sort_by_seq, steme__lens_item *, SEQ_LESS)
STEME__DEFINE_SORT(sort_by_value, steme__lens_item *, VALUE_LESS)
STEME__DEFINE_SORT(sort_by_group_agent, steme__lens_item *, GROUP_AGENT_LESS)
STEME__DEFINE_SORT(sort_by_group_source, steme__lens_item *, GROUP_SOURCE_LESS)

/*
 * Hash tables of the preparation: open addressing with linear probing, slots holding an entry
 * index + 1 (0: empty), a power of two >= 2n slots so that they are at most half full. The
 * hashes are not keyed, so inputs can be made to collide (sources and strings are anyone's to
 * choose); each pass therefore has a probe budget (8 a lookup, plus 64), and a pass that runs
 * past it gives up and sorts instead, as the preparation did before it hashed. That bounds the
 * worst case at the budget plus the sort, O(n log n), whatever the input; without the budget
 * it would be n^2 / 2 probes. Hashes only ever make things faster: equality is always decided
 * by comparing the keys in full, and what is built from the tables does not depend on where
 * anything landed in them.
 */
static size_t probe_limit = SIZE_MAX; /* tests: steme__lens_probe_limit */

void
steme__lens_probe_limit(size_t limit)
{
    probe_limit = limit;
}

static size_t
probe_budget(size_t lookups)
{
    size_t budget = 8 * lookups + 64;
    return budget < probe_limit ? budget : probe_limit;
}

/* A table of at least 2n slots, a power of two: 1 << bits. */
static unsigned
table_bits(size_t n)
{
    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * n)
        bits++;
    return bits;
}

/* Equal for values that steme__vnorm_cmp finds equal: it hashes what that compares (numbers
 * by their bits, which is exact since -0.0 is normalised to 0.0). */
static uint64_t
value_hash(const steme__vnorm *v)
{
    uint64_t h = (uint64_t)v->cls * STEME__FH_K3;
    switch (v->cls) {
    case STEME__VCLASS_STRING:
    case STEME__VCLASS_REF:
        h ^= steme__fast_hash(v->bytes.ptr, v->bytes.len) * STEME__FH_K1;
        break;
    case STEME__VCLASS_INTEGER:
        h ^= (uint64_t)v->integer * STEME__FH_K1;
        break;
    case STEME__VCLASS_BOOLEAN:
        h ^= (uint64_t)v->boolean * STEME__FH_K1;
        break;
    case STEME__VCLASS_NUMBER: {
        uint64_t bits;
        memcpy(&bits, &v->num, sizeof bits);
        h ^= (uint64_t)v->dim * STEME__FH_K2 ^ bits * STEME__FH_K1;
        if (v->dim == STEME__DIM_OTHER)
            h ^= steme__fast_hash(v->unit.ptr, v->unit.len) * STEME__FH_K4;
        break;
    }
    }
    return h;
}

/* An assertion's authority, ppm: its source's registered weight, or the lens's tier table. */
static uint32_t
authority_ppm(const steme__lens_params *p, const steme__cand *c)
{
    return p->tier_weights_set ? p->tier_weights[c->tier] : c->weight;
}

/* One distinct agent of a group, while its members are gathered. */
typedef struct agent_acc {
    const steme__cand *c; /* its first member: the key */
    uint64_t hash;
    uint64_t ev, up, down;
    double tr;
    uint32_t conf;
} agent_acc;

/* One distinct source of a group. */
typedef struct source_acc {
    const steme__cand *c; /* its first member: the key */
    uint64_t hash;
    uint32_t auth;
    int rank;
    steme_tier tier;
} source_acc;

/* The preparation's scratch, in the run's allocation (prepare). */
typedef struct prep {
    steme__lens_item **v;        /* n: the items by seq */
    steme__lens_item **distinct; /* n: the earliest item of each distinct value */
    uint32_t *ids;               /* n: a value class's group */
    uint64_t *hashes;            /* n: a value class's hash */
    double *votes, *trusted;     /* n each: one group's terms (steme__lens_sum) */
    agent_acc *agents;           /* n */
    source_acc *sources;         /* n */
    uint32_t *values_table, *agents_table, *sources_table; /* tsize each */
    unsigned bits;
    size_t tsize; /* 1 << bits */
} prep;

/* Per group: members by seq, latest member, valid-time union, votes. v is in seq order, so a
 * counting sort by group keeps each group's members by seq: the (group, seq) order. */
static void
stat_members(steme__lens_work *w, steme__lens_item *const *v)
{
    uint32_t first = 0;
    for (size_t i = 0; i < w->n; i++)
        w->groups[v[i]->group].count++;
    for (size_t i = 0; i < w->n_groups; i++) {
        w->groups[i].first = first;
        first += w->groups[i].count;
        w->groups[i].count = 0;
    }
    for (size_t i = 0; i < w->n; i++) {
        const steme__lens_item *it = v[i];
        steme__lens_gstat *g = &w->groups[it->group];
        const steme__cand *c = it->c;
        w->members[g->first + g->count] = (uint32_t)(it - w->items);
        if (g->count++ == 0) {
            g->rep = c;
            g->best_tier = c->tier;
            g->has_valid_from = g->has_valid_until = true;
            g->valid_from = c->valid_from;
            g->valid_until = c->valid_until;
        }
        if (g->count == 1 || c->asserted_at > g->latest_at ||
            (c->asserted_at == g->latest_at && c->seq > g->latest_seq)) {
            g->latest_at = c->asserted_at;
            g->latest_seq = c->seq;
        }
        if (steme__lens_tier_rank(c->tier) < steme__lens_tier_rank(g->best_tier))
            g->best_tier = c->tier;
        g->has_valid_from = g->has_valid_from && c->has_valid_from;
        g->has_valid_until = g->has_valid_until && c->has_valid_until;
        if (c->valid_from < g->valid_from)
            g->valid_from = c->valid_from;
        if (c->valid_until > g->valid_until)
            g->valid_until = c->valid_until;
        g->up += c->up;
        g->down += c->down;
    }
    for (size_t i = 0; i < w->n_groups; i++) {
        steme__lens_gstat *g = &w->groups[i];
        if (!g->has_valid_from)
            g->valid_from = 0;
        if (!g->has_valid_until)
            g->valid_until = 0;
    }
}

/* Per group and distinct agent, by sorting (stat_support's fallback): the agent's best
 * confidence, evidence, vote factor and trust-weighted authority (docs/lenses.md). */
static void
stat_agents(steme__lens_work *w, const prep *pp)
{
    const steme__lens_params *p = w->p;
    steme__lens_item **v = pp->v;
    double *votes = pp->votes, *trusted = pp->trusted;
    size_t k = 0;
    sort_by_group_agent(v, w->n);
    for (size_t i = 0; i < w->n;) {
        uint32_t gid = v[i]->group;
        steme__lens_gstat *g = &w->groups[gid];
        uint32_t conf = 0;
        uint64_t ev = 0, up = 0, down = 0;
        double tr = 0;
        size_t j = i;
        for (; j < w->n && v[j]->group == gid &&
               memcmp(v[j]->c->agent.b, v[i]->c->agent.b, STEME_PUBKEY_SIZE) == 0;
             j++) {
            const steme__cand *c = v[j]->c;
            uint64_t e = (uint64_t)c->weight * c->confidence;
            double t =
                c->trust * (authority_ppm(p, c) / 1e6) * c->reliability * (c->confidence / 1e6);
            conf = c->confidence > conf ? c->confidence : conf;
            ev = e > ev ? e : ev;
            tr = t > tr ? t : tr;
            up += c->up;
            down += c->down;
        }
        g->agents++;
        g->conf += conf;
        g->evidence_pp12 += ev;
        votes[k] = (1.0 + (double)up) / (1.0 + (double)down);
        trusted[k] = tr;
        k++;
        i = j;
        if (i == w->n || v[i]->group != gid) {
            g->votes = steme__lens_sum(votes, k);
            g->trusted = steme__lens_sum(trusted, k);
            k = 0;
        }
    }
}

/* Per group and distinct source, by sorting (stat_support's fallback): count, and the
 * authority at the best ranked tier. */
static void
stat_sources(steme__lens_work *w, const prep *pp)
{
    steme__lens_item **v = pp->v;
    sort_by_group_source(v, w->n);
    for (size_t i = 0; i < w->n_groups; i++)
        w->groups[i].tier_rank = STEME__LENS_NO_RANK;
    for (size_t i = 0; i < w->n;) {
        steme__lens_gstat *g = &w->groups[v[i]->group];
        uint32_t auth = 0;
        int rank = STEME__LENS_NO_RANK;
        steme_tier tier = STEME_TIER_UNVERIFIED;
        size_t j = i;
        for (; j < w->n && v[j]->group == v[i]->group &&
               str_cmp(v[j]->c->source, v[i]->c->source) == 0;
             j++) {
            uint32_t a = authority_ppm(w->p, v[j]->c);
            int r = steme__lens_tier_rank(v[j]->c->tier);
            if (a > 0 && (r < rank || (r == rank && a > auth))) {
                rank = r;
                auth = a;
                tier = v[j]->c->tier;
            }
        }
        g->sources++;
        if (rank < g->tier_rank) {
            g->tier_rank = rank;
            g->tier = tier;
            g->tier_ppm = auth;
            g->tier_sources = 1;
        } else if (rank == g->tier_rank && rank != STEME__LENS_NO_RANK) {
            g->tier_ppm += auth;
            g->tier_sources++;
        }
        i = j;
    }
}

static uint64_t
agent_hash(const steme_pubkey *a)
{
    return steme__fh_load64(a->b) * STEME__FH_K1 ^ steme__fh_load64(a->b + 8) * STEME__FH_K2 ^
           steme__fh_load64(a->b + 16) * STEME__FH_K3 ^ steme__fh_load64(a->b + 24) * STEME__FH_K4;
}

/*
 * The entry of c's agent (sources: of c's source) in the current group, made when new; NULL
 * past the probe budget. Entries [first, *k) are the current group's: a slot holding an older
 * entry counts as empty, so the tables are cleared once per run rather than per group, and a
 * key is still found, since the current group's slots are only ever added to. Worst case (all
 * keys in one probe sequence) n^2 / 2 probes; the budget stops it long before.
 */
static agent_acc *
agent_entry(const prep *pp, const steme__cand *c, size_t first, size_t *k, size_t *budget)
{
    uint64_t h = agent_hash(&c->agent);
    for (size_t s = steme__fast_slot(h, pp->bits);; s = (s + 1) & (pp->tsize - 1)) {
        if ((*budget)-- == 0)
            return NULL;
        uint32_t e = pp->agents_table[s];
        if (e <= first) {
            pp->agents_table[s] = (uint32_t)(*k + 1);
            pp->agents[*k] = (agent_acc){.c = c, .hash = h};
            return &pp->agents[(*k)++];
        }
        agent_acc *a = &pp->agents[e - 1];
        if (a->hash == h && memcmp(a->c->agent.b, c->agent.b, STEME_PUBKEY_SIZE) == 0)
            return a;
    }
}

static source_acc *
source_entry(const prep *pp, const steme__cand *c, size_t first, size_t *k, size_t *budget)
{
    uint64_t h = steme__fast_hash(c->source.ptr, c->source.len);
    for (size_t s = steme__fast_slot(h, pp->bits);; s = (s + 1) & (pp->tsize - 1)) {
        if ((*budget)-- == 0)
            return NULL;
        uint32_t e = pp->sources_table[s];
        if (e <= first) {
            pp->sources_table[s] = (uint32_t)(*k + 1);
            pp->sources[*k] = (source_acc){
                .c = c, .hash = h, .rank = STEME__LENS_NO_RANK, .tier = STEME_TIER_UNVERIFIED};
            return &pp->sources[(*k)++];
        }
        source_acc *a = &pp->sources[e - 1];
        if (a->hash == h && str_cmp(a->c->source, c->source) == 0)
            return a;
    }
}

/*
 * What stat_agents and stat_sources count, through hash tables instead of sorts: every figure
 * is a sum or a maximum over the members of a distinct agent or source (the tier: the one of
 * the best rank, which the rank determines), and the group's doubles are sums of terms that
 * steme__lens_sum adds in ascending order, so the order the members come in cannot show.
 * The two sums of doubles, votes and trusted, are left 0 unless a lens of the run reads them
 * (vote_consensus, trust_authority): sorting their terms was most of what remained.
 * False past the probe budget, with the groups' support half counted.
 */
static bool
stat_support(steme__lens_work *w, const prep *pp)
{
    const steme__lens_params *p = w->p;
    size_t budget = probe_budget(2 * w->n), n_agents = 0, n_sources = 0;
    bool votes = steme__lens_uses(p, STEME__LENS_VOTE_CONSENSUS);
    bool trusted = steme__lens_uses(p, STEME__LENS_TRUST_AUTHORITY);

    memset(pp->agents_table, 0, pp->tsize * sizeof *pp->agents_table);
    memset(pp->sources_table, 0, pp->tsize * sizeof *pp->sources_table);
    for (size_t gi = 0; gi < w->n_groups; gi++) {
        steme__lens_gstat *g = &w->groups[gi];
        size_t a0 = n_agents, s0 = n_sources;
        for (uint32_t m = 0; m < g->count; m++) {
            const steme__cand *c = w->items[w->members[g->first + m]].c;
            agent_acc *a = agent_entry(pp, c, a0, &n_agents, &budget);
            source_acc *s = a ? source_entry(pp, c, s0, &n_sources, &budget) : NULL;
            if (s == NULL)
                return false;
            uint32_t auth = authority_ppm(p, c);
            uint64_t e = (uint64_t)c->weight * c->confidence;
            a->conf = c->confidence > a->conf ? c->confidence : a->conf;
            a->ev = e > a->ev ? e : a->ev;
            if (trusted) {
                double t = c->trust * (auth / 1e6) * c->reliability * (c->confidence / 1e6);
                a->tr = t > a->tr ? t : a->tr;
            }
            a->up += c->up;
            a->down += c->down;
            int r = steme__lens_tier_rank(c->tier);
            if (auth > 0 && (r < s->rank || (r == s->rank && auth > s->auth))) {
                s->rank = r;
                s->auth = auth;
                s->tier = c->tier;
            }
        }
        size_t k = 0;
        for (size_t i = a0; i < n_agents; i++, k++) {
            const agent_acc *a = &pp->agents[i];
            g->agents++;
            g->conf += a->conf;
            g->evidence_pp12 += a->ev;
            if (votes)
                pp->votes[k] = (1.0 + (double)a->up) / (1.0 + (double)a->down);
            if (trusted)
                pp->trusted[k] = a->tr;
        }
        if (votes)
            g->votes = steme__lens_sum(pp->votes, k);
        if (trusted)
            g->trusted = steme__lens_sum(pp->trusted, k);
        g->tier_rank = STEME__LENS_NO_RANK;
        for (size_t i = s0; i < n_sources; i++) {
            const source_acc *s = &pp->sources[i];
            g->sources++;
            if (s->rank < g->tier_rank) {
                g->tier_rank = s->rank;
                g->tier = s->tier;
                g->tier_ppm = s->auth;
                g->tier_sources = 1;
            } else if (s->rank == g->tier_rank && s->rank != STEME__LENS_NO_RANK) {
                g->tier_ppm += s->auth;
                g->tier_sources++;
            }
        }
    }
    return true;
}

/* Distinct agents and sources per group: hashed, or sorted when the tables give up. */
static void
stat_agents_and_sources(steme__lens_work *w, const prep *pp)
{
    if (stat_support(w, pp))
        return;
    /* Back to what the sorting passes start from: support as group_values made it, zero. */
    for (size_t i = 0; i < w->n_groups; i++) {
        steme__lens_gstat *g = &w->groups[i];
        g->agents = g->sources = g->tier_sources = 0;
        g->conf = g->evidence_pp12 = g->tier_ppm = 0;
        g->votes = g->trusted = 0;
        g->tier_rank = 0;
        g->tier = 0;
    }
    for (size_t i = 0; i < w->n; i++) {
        pp->v[i]->agent8 = steme__get_u64(pp->v[i]->c->agent.b);
        pp->v[i]->source8 = prefix8(pp->v[i]->c->source);
    }
    stat_agents(w, pp);
    stat_sources(w, pp);
}

/* Evidence shares (the conflict score's distribution): evidence mass over its total, or
 * distinct agents over theirs when every assertion has zero weight or zero confidence. */
static void
evidence_shares(steme__lens_work *w)
{
    uint64_t total = 0, agents = 0;
    for (size_t i = 0; i < w->n_groups; i++) {
        total += w->groups[i].evidence_pp12;
        agents += w->groups[i].agents;
    }
    for (size_t i = 0; i < w->n_groups; i++) {
        steme__lens_gstat *g = &w->groups[i];
        g->ev_share =
            total ? (double)g->evidence_pp12 / (double)total : (double)g->agents / (double)agents;
    }
}

/*
 * The values' classes: pp->distinct[0 .. k) gets the earliest item of each distinct value
 * (steme__vnorm_cmp equal), and each item's group field its class. pp->v is in seq order.
 * False past the probe budget.
 */
static bool
value_classes(const steme__lens_work *w, const prep *pp, size_t *ret_k)
{
    size_t k = 0, mask = pp->tsize - 1, budget = probe_budget(w->n);

    memset(pp->values_table, 0, pp->tsize * sizeof *pp->values_table);
    for (size_t i = 0; i < w->n; i++) {
        steme__lens_item *it = pp->v[i];
        uint64_t h = value_hash(&it->norm);
        for (size_t s = steme__fast_slot(h, pp->bits);; s = (s + 1) & mask) {
            if (budget-- == 0)
                return false;
            uint32_t e = pp->values_table[s];
            if (e == 0) {
                pp->values_table[s] = (uint32_t)(k + 1);
                pp->distinct[k] = it;
                pp->hashes[k] = h;
                it->group = (uint32_t)k++;
                break;
            }
            if (pp->hashes[e - 1] == h &&
                steme__vnorm_cmp(&pp->distinct[e - 1]->norm, &it->norm) == 0) {
                it->group = e - 1;
                break;
            }
        }
    }
    *ret_k = k;
    return true;
}

/*
 * Group: sort the values by key, then a new group whenever a value is not near the group's
 * first (smallest) value. Anchoring on the first value bounds a group's spread by the
 * tolerance: a chain of values each near the next does not merge 1 and 2.
 *
 * Only the distinct values are sorted: equal values are near the same values, so an item's
 * group is its value's, and the first (value, seq) of a group is the earliest item of its
 * smallest value, the one value_classes keeps. Without the classes, every item is its own
 * class and the sort is by (value, seq). pp->v is in seq order and stays so.
 */
static void
group_values(steme__lens_work *w, const prep *pp)
{
    steme__lens_item **distinct = pp->distinct;
    size_t k;
    if (!value_classes(w, pp, &k)) {
        for (size_t i = 0; i < w->n; i++) {
            distinct[i] = pp->v[i];
            pp->v[i]->group = (uint32_t)i;
        }
        k = w->n;
    }
    sort_by_value(distinct, k);
    for (size_t i = 0; i < k; i++) {
        if (w->n_groups == 0 ||
            !steme__vnorm_near(&w->groups[w->n_groups - 1].norm, &distinct[i]->norm))
            w->groups[w->n_groups++] = (steme__lens_gstat){.norm = distinct[i]->norm};
        pp->ids[distinct[i]->group] = (uint32_t)(w->n_groups - 1);
    }
    for (size_t i = 0; i < w->n; i++)
        pp->v[i]->group = pp->ids[pp->v[i]->group];
}

/* Carve n elements of size bytes from *p, each array on a max_align_t boundary. */
#define ALIGN_UP(x) (((x) + _Alignof(max_align_t) - 1) & ~(size_t)(_Alignof(max_align_t) - 1))

static void *
carve(uint8_t **p, size_t n, size_t size)
{
    void *r = *p;
    *p += ALIGN_UP(n * size);
    return r;
}

steme_err
steme__lens_prepare(steme__lens_work *w, const steme__cand *const *c, size_t n)
{
    prep pp = {.bits = table_bits(n)};
    pp.tsize = (size_t)1 << pp.bits;

    /* One allocation for the run (n <= STEME__LENS_MAX_CANDIDATES: no overflow). Groups are
     * zeroed as they are made, not here. */
    size_t size = ALIGN_UP(n * sizeof *w->items) + ALIGN_UP(n * sizeof *w->members) +
                  ALIGN_UP(n * sizeof *w->groups) + ALIGN_UP(n * sizeof *w->order) +
                  ALIGN_UP(n * sizeof *w->rank) + ALIGN_UP(n * sizeof *pp.v) +
                  ALIGN_UP(n * sizeof *pp.distinct) + ALIGN_UP(n * sizeof *pp.ids) +
                  ALIGN_UP(n * sizeof *pp.hashes) + 2 * ALIGN_UP(n * sizeof *pp.votes) +
                  ALIGN_UP(n * sizeof *pp.agents) + ALIGN_UP(n * sizeof *pp.sources) +
                  3 * ALIGN_UP(pp.tsize * sizeof *pp.values_table);
    uint8_t *p = w->mem = steme__malloc(size);
    if (p == NULL)
        return STEME_ENOMEM;
    w->n = n;
    w->items = carve(&p, n, sizeof *w->items);
    w->members = carve(&p, n, sizeof *w->members);
    w->groups = carve(&p, n, sizeof *w->groups);
    w->order = carve(&p, n, sizeof *w->order);
    w->rank = carve(&p, n, sizeof *w->rank);
    pp.v = carve(&p, n, sizeof *pp.v);
    pp.distinct = carve(&p, n, sizeof *pp.distinct);
    pp.ids = carve(&p, n, sizeof *pp.ids);
    pp.hashes = carve(&p, n, sizeof *pp.hashes);
    pp.votes = carve(&p, n, sizeof *pp.votes);
    pp.trusted = carve(&p, n, sizeof *pp.trusted);
    pp.agents = carve(&p, n, sizeof *pp.agents);
    pp.sources = carve(&p, n, sizeof *pp.sources);
    pp.values_table = carve(&p, pp.tsize, sizeof *pp.values_table);
    pp.agents_table = carve(&p, pp.tsize, sizeof *pp.agents_table);
    pp.sources_table = carve(&p, pp.tsize, sizeof *pp.sources_table);

    for (size_t i = 0; i < n; i++) {
        w->items[i].c = c[i];
        if (check_cand(c[i], &w->items[i].norm) != STEME_OK)
            return STEME_EINVAL;
    }
    /* Items stay in the caller's order; they are reached through pp.v by seq, and every order
     * below is a total order ending in seq (or, hashed, does not show), so nothing depends on
     * where a candidate was in the input. */
    for (size_t i = 0; i < n; i++)
        pp.v[i] = &w->items[i];
    sort_by_seq(pp.v, n);
    for (size_t i = 1; i < n; i++)
        if (pp.v[i]->c->seq == pp.v[i - 1]->c->seq)
            return STEME_EINVAL;

    group_values(w, &pp);
    stat_members(w, pp.v);
    stat_agents_and_sources(w, &pp);
    evidence_shares(w);
    return STEME_OK;
}

void
steme__lens_work_free(steme__lens_work *w)
{
    steme__free(w->mem);
}
