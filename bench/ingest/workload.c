/* SPDX-License-Identifier: MIT */
/*
 * workload.c -- generates the signed assertions bench_ingest ingests.
 *
 * The shape imitates a living review of drug safety evidence: 1,000 agents of unequal activity,
 * 50,000 subjects ("drug:<name>-<k>") drawn from a Zipf distribution (s = 0.99, as YCSB uses,
 * so a few drugs collect most claims), 200 predicates ("adverse_event.<term>.<measure>"),
 * percentages as values, 500 sources of five kinds, varying confidence, some valid-time
 * bounds, qualifiers and evidence, and 10% of records derived from an earlier one. The mean
 * canonical size is about 200 bytes. Signing dominates the cost, so the work is split over
 * threads; records that carry a derived_from link are made in a second pass, once the ids of
 * their parents exist.
 */
#include "workload.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2023-01-01T00:00:00Z: every asserted_at lies in the past, whatever the run's date, so the
 * engine's clock-skew rule never refuses one, and the data set stays the same from run to run. */
#define BASE_TIME 1672531200000LL
#define STEP_MS   30000 /* one record per 30 s of author time: 1M records span 347 days */
#define DAY_MS    86400000LL

#define ARENA_BLOCK (1u << 20)
#define ENCODE_CAP  4096 /* far above the largest record this generator makes */

struct workload_arena {
    uint8_t **blocks;
    size_t n_blocks;
    size_t cap_blocks;
    size_t used; /* bytes used in the last block */
};

/* ---------------------------------------------------------------------------------------------
 * Deterministic randomness: splitmix64, seeded from the record index.
 */

typedef struct rng {
    uint64_t s;
} rng;

uint64_t
workload_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t
rng_next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return workload_mix(r->s);
}

static double
rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static uint64_t
rng_below(rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

/* A standard normal deviate (Box-Muller; one of the pair is enough here). */
static double
rng_normal(rng *r)
{
    double u = 1.0 - rng_unit(r); /* (0, 1]: log(0) is never taken */
    double v = rng_unit(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* ---------------------------------------------------------------------------------------------
 * Zipf draws by inverse CDF: rank k (0-based) has weight 1 / (k + 1)^s.
 */

typedef struct zipf {
    double *cdf;
    size_t n;
} zipf;

static steme_err
zipf_init(zipf *z, size_t n, double s)
{
    double sum = 0.0;

    z->cdf = malloc(n * sizeof(*z->cdf));
    if (z->cdf == NULL)
        return STEME_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        sum += pow((double)(k + 1), -s);
        z->cdf[k] = sum;
    }
    for (size_t k = 0; k < n; k++)
        z->cdf[k] /= sum;
    z->n = n;
    return STEME_OK;
}

static size_t
zipf_draw(const zipf *z, rng *r)
{
    double u = rng_unit(r);
    size_t lo = 0, hi = z->n - 1;

    /* The first rank whose cumulative weight exceeds u. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->cdf[mid] <= u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---------------------------------------------------------------------------------------------
 * Names. Drawn from the index through a hash so that popular subjects are not alphabetical
 * neighbours, as they would not be in real data.
 */

static const char *const drug_prefix[] = {
    "ator",   "rosu", "simva", "lisino", "losa",  "meto",  "ada",  "ima",
    "flucon", "doxy", "cipro", "amlo",   "omep",  "sita",  "hepa", "acyclo",
    "ondan",  "suma", "valsa", "telmi",  "bisop", "carve", "dulo", "sertra",
};
static const char *const drug_mid[] = {"", "va", "li", "ra", "to", "xi", "mo", "de"};
static const char *const drug_suffix[] = {
    "statin", "pril",   "sartan",  "olol",    "mab",     "tinib",  "azole",  "cycline",
    "oxacin", "dipine", "prazole", "gliptin", "parin",   "vir",    "setron", "triptan",
    "line",   "pam",    "done",    "formin",  "glutide", "lukast", "semide", "afil",
};

static const char *const ae_term[] = {
    "myalgia",         "nausea",         "headache",       "dizziness",        "rash",
    "hepatotoxicity",  "insomnia",       "fatigue",        "diarrhea",         "constipation",
    "vomiting",        "pruritus",       "hypotension",    "bradycardia",      "tachycardia",
    "qt_prolongation", "neutropenia",    "anemia",         "thrombocytopenia", "alopecia",
    "arthralgia",      "back_pain",      "cough",          "dyspnea",          "edema",
    "hyperglycemia",   "hypoglycemia",   "hyperkalemia",   "hyponatremia",     "weight_gain",
    "weight_loss",     "anxiety",        "depression",     "somnolence",       "tremor",
    "paresthesia",     "blurred_vision", "tinnitus",       "dry_mouth",        "abdominal_pain",
    "dyspepsia",       "pancreatitis",   "nephrotoxicity", "angioedema",       "photosensitivity",
    "rhabdomyolysis",  "sjs_ten",        "serotonin_tox",  "injection_site",   "fever",
};
static const char *const ae_measure[] = {"incidence", "incidence_severe", "discontinuation_rate",
                                         "hospitalization_rate"};

static const char *const forum_site[] = {"patientslikeme", "drugs.com", "reddit.r.medicine",
                                         "healthunlocked"};
static const char *const population[] = {"adults",           "elderly",  "pediatric",
                                         "renal_impairment", "pregnant", "hepatic_impairment"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void
drug_name(uint64_t h, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s", drug_prefix[h % COUNT(drug_prefix)],
             drug_mid[(h >> 8) % COUNT(drug_mid)], drug_suffix[(h >> 16) % COUNT(drug_suffix)]);
}

static void
subject_name(size_t k, char *out, size_t cap)
{
    char drug[40];

    drug_name(workload_mix(k ^ 0x5ab1ec7ULL), drug, sizeof(drug));
    snprintf(out, cap, "drug:%s-%zu", drug, k);
}

static void
predicate_name(size_t p, char *out, size_t cap)
{
    /* Rank order puts every term's incidence first: the common question is asked most. */
    snprintf(out, cap, "adverse_event.%s.%s", ae_term[p % COUNT(ae_term)],
             ae_measure[(p / COUNT(ae_term)) % COUNT(ae_measure)]);
}

static void
source_name(size_t s, char *out, size_t cap)
{
    uint64_t h = workload_mix(s ^ 0x50c0ce5ULL);
    char drug[40];

    drug_name(h, drug, sizeof(drug));
    switch (s % 5) {
    case 0:
        snprintf(out, cap, "fda:label:%s:%u", drug, 2012 + (unsigned)(h >> 32) % 13);
        break;
    case 1:
        snprintf(out, cap, "pubmed:%08u", 20000000 + (unsigned)(h >> 32) % 19000000);
        break;
    case 2:
        snprintf(out, cap, "ema:epar:%s:%u", drug, 2012 + (unsigned)(h >> 32) % 13);
        break;
    case 3:
        snprintf(out, cap, "forum:%s:thread:%u", forum_site[(h >> 24) % COUNT(forum_site)],
                 (unsigned)(h >> 32) % 9000000);
        break;
    default:
        snprintf(out, cap, "medrxiv:10.1101/2023.%02u.%02u.%05u", 1 + (unsigned)(h >> 24) % 12,
                 1 + (unsigned)(h >> 32) % 28, (unsigned)(h >> 40) % 100000);
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Arenas: one per generating thread, so that threads never share an allocator lock and record
 * bytes never move once written (steme_signed borrows them).
 */

static uint8_t *
arena_put(workload_arena *a, const uint8_t *p, size_t len)
{
    uint8_t *dst;

    if (a->n_blocks == 0 || a->used + len > ARENA_BLOCK) {
        if (a->n_blocks == a->cap_blocks) {
            size_t cap = a->cap_blocks ? 2 * a->cap_blocks : 16;
            uint8_t **blocks = realloc(a->blocks, cap * sizeof(*blocks));
            if (blocks == NULL)
                return NULL;
            a->blocks = blocks;
            a->cap_blocks = cap;
        }
        a->blocks[a->n_blocks] = malloc(ARENA_BLOCK);
        if (a->blocks[a->n_blocks] == NULL)
            return NULL;
        a->n_blocks++;
        a->used = 0;
    }
    dst = a->blocks[a->n_blocks - 1] + a->used;
    memcpy(dst, p, len);
    a->used += len;
    return dst;
}

static void
arena_free(workload_arena *a)
{
    for (size_t i = 0; i < a->n_blocks; i++)
        free(a->blocks[i]);
    free(a->blocks);
}

/* ---------------------------------------------------------------------------------------------
 * Generation.
 */

typedef struct gen_shared {
    workload *w;
    size_t derive_gap;
    uint64_t salt;     /* 0: the standard data set; else another one of the same shape */
    bool derived_pass; /* false: records without a parent; true: those with one */
    steme_keypair **keys;
    zipf agents, subjects, predicates, sources;
} gen_shared;

typedef struct gen_thread {
    gen_shared *g;
    workload_arena *arena;
    size_t lo, hi;
    steme_err err;
    steme_errinfo ei;
    size_t n_derived;
    size_t n_qualified;
    uint64_t bytes;
    size_t max_len;
} gen_thread;

static bool
is_derived(size_t i, size_t gap)
{
    return i >= gap && workload_mix(i ^ 0xde517edULL) % 10 == 0;
}

/* A parent at least gap positions earlier that is not itself derived (so that its id exists
 * after the first pass). Index 0 is never derived, so the walk down always ends. */
static size_t
pick_parent(rng *r, size_t i, size_t gap)
{
    size_t j = rng_below(r, i - gap + 1);

    while (is_derived(j, gap))
        j--;
    return j;
}

/* A percentage: log-normal around 1.6%, clipped to [0.01, 95], two decimals. */
static double
percentage(rng *r)
{
    double x = exp(0.5 + 1.4 * rng_normal(r));

    if (x < 0.01)
        x = 0.01;
    if (x > 95.0)
        x = 95.0;
    return round(x * 100.0) / 100.0;
}

static steme_err
gen_one(gen_thread *t, size_t i)
{
    const gen_shared *g = t->g;
    workload *w = g->w;
    rng r = {workload_mix((i * 0x2545f4914f6cdd1dULL + 1) ^ g->salt)};
    char subject[64], predicate[96], source[96], url[64], quote[192];
    steme_id parents[2];
    steme_record rec;
    steme_assertion *as = &rec.assertion;
    uint8_t buf[ENCODE_CAP];
    uint8_t *stored;
    size_t agent, subj, pred, src, len;
    steme_id id;
    steme_sig sig;
    steme_err err;

    memset(&rec, 0, sizeof(rec));
    rec.kind = STEME_RECORD_ASSERTION;
    agent = zipf_draw(&g->agents, &r);
    subj = zipf_draw(&g->subjects, &r);
    pred = zipf_draw(&g->predicates, &r);
    src = zipf_draw(&g->sources, &r);

    as->agent = w->agents[agent];
    as->asserted_at = BASE_TIME + (int64_t)i * STEP_MS + (int64_t)rng_below(&r, STEP_MS);
    subject_name(subj, subject, sizeof(subject));
    predicate_name(pred, predicate, sizeof(predicate));
    source_name(src, source, sizeof(source));
    as->subject = steme_str_c(subject);
    as->predicate = steme_str_c(predicate);
    as->source = steme_str_c(source);
    as->object.type = STEME_VALUE_NUMBER;
    as->object.number = percentage(&r);
    as->object.unit = steme_str_c("%");
    as->confidence = 300000 + (uint32_t)rng_below(&r, 690001);

    if (rng_below(&r, 5) == 0) {
        as->has_valid_from = true;
        as->valid_from = as->asserted_at - (int64_t)rng_below(&r, 3 * 365) * DAY_MS;
    }
    if (rng_below(&r, 10) < 3) {
        /* One or two of three qualifier keys, never the same one twice. */
        size_t first = rng_below(&r, 3), count = 1 + rng_below(&r, 2);
        for (size_t q = 0; q < count; q++) {
            steme_qualifier *ql = &as->qualifiers[as->n_qualifiers++];
            switch ((first + q) % 3) {
            case 0:
                ql->key = steme_str_c("population");
                ql->value.type = STEME_VALUE_STRING;
                ql->value.str = steme_str_c(population[rng_below(&r, COUNT(population))]);
                break;
            case 1:
                ql->key = steme_str_c("dose");
                ql->value.type = STEME_VALUE_NUMBER;
                ql->value.number = (double)(5 << rng_below(&r, 5));
                ql->value.unit = steme_str_c("mg");
                break;
            default:
                ql->key = steme_str_c("study_size");
                ql->value.type = STEME_VALUE_INTEGER;
                ql->value.integer = 20 + (int64_t)rng_below(&r, 20000);
                break;
            }
        }
        t->n_qualified++;
    }
    if (rng_below(&r, 2) == 0) {
        snprintf(url, sizeof(url), "https://pubmed.ncbi.nlm.nih.gov/%u/",
                 20000000 + (unsigned)rng_below(&r, 19000000));
        as->evidence_url = steme_str_c(url);
    }
    if (rng_below(&r, 5) == 0) {
        snprintf(quote, sizeof(quote), "%s was reported in %.2f%% of patients",
                 ae_term[pred % COUNT(ae_term)], as->object.number);
        as->evidence_quote = steme_str_c(quote);
    }
    if (g->derived_pass) {
        parents[0] = w->ids[pick_parent(&r, i, g->derive_gap)];
        as->n_derived_from = 1;
        if (rng_below(&r, 5) == 0) {
            parents[1] = w->ids[pick_parent(&r, i, g->derive_gap)];
            if (memcmp(&parents[0], &parents[1], sizeof(parents[0])) != 0)
                as->n_derived_from = 2;
        }
        as->derived_from = parents;
        t->n_derived++;
    }

    err = steme_record_sign(&rec, g->keys[agent], buf, sizeof(buf), &len, &id, &sig, &t->ei);
    if (err != STEME_OK)
        return err;
    stored = arena_put(t->arena, buf, len);
    if (stored == NULL)
        return STEME_ENOMEM;
    w->recs[i].bytes = stored;
    w->recs[i].len = len;
    w->recs[i].sig = sig;
    w->ids[i] = id;
    w->author[i] = (uint16_t)agent;
    t->bytes += len;
    if (len > t->max_len)
        t->max_len = len;
    return STEME_OK;
}

static void *
gen_range(void *arg)
{
    gen_thread *t = arg;

    for (size_t i = t->lo; i < t->hi && t->err == STEME_OK; i++) {
        if (is_derived(i, t->g->derive_gap) == t->g->derived_pass)
            t->err = gen_one(t, i);
    }
    return NULL;
}

/* Run one pass over all indexes. A thread that cannot be started has its share done by the
 * caller: slower, never wrong. */
static void
run_pass(gen_thread *ts, unsigned n)
{
    pthread_t *tid = calloc(n, sizeof(*tid));
    bool *started = calloc(n, sizeof(*started));

    for (unsigned k = 1; k < n && tid != NULL && started != NULL; k++)
        started[k] = pthread_create(&tid[k], NULL, gen_range, &ts[k]) == 0;
    gen_range(&ts[0]);
    for (unsigned k = 1; k < n; k++) {
        if (started != NULL && started[k])
            pthread_join(tid[k], NULL);
        else
            gen_range(&ts[k]);
    }
    free(tid);
    free(started);
}

static void
seed_for(size_t agent, uint64_t salt, uint8_t seed[STEME_SEED_SIZE])
{
    for (size_t b = 0; b < STEME_SEED_SIZE / 8; b++) {
        uint64_t v = workload_mix((agent * 4 + b) ^ 0xa6e47ULL ^ salt);
        memcpy(seed + 8 * b, &v, 8);
    }
}

steme_err
workload_generate(workload *w, size_t n, size_t derive_gap, unsigned threads, steme_errinfo *ei)
{
    return workload_generate_salted(w, n, derive_gap, threads, 0, ei);
}

steme_err
workload_generate_salted(workload *w, size_t n, size_t derive_gap, unsigned threads, uint64_t salt,
                         steme_errinfo *ei)
{
    gen_shared g = {.w = w, .derive_gap = derive_gap ? derive_gap : 1, .salt = salt};
    gen_thread *ts = NULL;
    steme_err err = STEME_ENOMEM;

    memset(w, 0, sizeof(*w));
    if (threads == 0)
        threads = 1;
    w->n = n;
    w->recs = calloc(n, sizeof(*w->recs));
    w->ids = calloc(n, sizeof(*w->ids));
    w->author = calloc(n, sizeof(*w->author));
    w->arenas = calloc(threads, sizeof(*w->arenas));
    g.keys = calloc(WORKLOAD_AGENTS, sizeof(*g.keys));
    ts = calloc(threads, sizeof(*ts));
    if (!w->recs || !w->ids || !w->author || !w->arenas || !g.keys || !ts)
        goto out_free;
    w->n_arenas = threads;

    /* Activity is skewed among agents and sources too, but less than among subjects. */
    if (zipf_init(&g.agents, WORKLOAD_AGENTS, 0.8) ||
        zipf_init(&g.subjects, WORKLOAD_SUBJECTS, 0.99) ||
        zipf_init(&g.predicates, WORKLOAD_PREDICATES, 0.8) ||
        zipf_init(&g.sources, WORKLOAD_SOURCES, 0.8))
        goto out_free;

    for (size_t a = 0; a < WORKLOAD_AGENTS; a++) {
        uint8_t seed[STEME_SEED_SIZE];
        seed_for(a, salt, seed);
        err = steme_keypair_from_seed(seed, &g.keys[a]);
        if (err != STEME_OK)
            goto out_free;
        steme_keypair_public(g.keys[a], &w->agents[a]);
    }

    for (unsigned k = 0; k < threads; k++) {
        ts[k].g = &g;
        ts[k].arena = &w->arenas[k];
        ts[k].lo = n * k / threads;
        ts[k].hi = n * (k + 1) / threads;
    }
    g.derived_pass = false;
    run_pass(ts, threads);
    g.derived_pass = true;
    run_pass(ts, threads);

    err = STEME_OK;
    for (unsigned k = 0; k < threads; k++) {
        if (ts[k].err != STEME_OK && err == STEME_OK) {
            err = ts[k].err;
            if (ei != NULL)
                *ei = ts[k].ei;
        }
        w->bytes += ts[k].bytes;
        w->n_derived += ts[k].n_derived;
        w->n_qualified += ts[k].n_qualified;
        if (ts[k].max_len > w->max_len)
            w->max_len = ts[k].max_len;
    }

out_free:
    for (size_t a = 0; g.keys != NULL && a < WORKLOAD_AGENTS; a++)
        steme_keypair_free(g.keys[a]);
    free(g.keys);
    free(g.agents.cdf);
    free(g.subjects.cdf);
    free(g.predicates.cdf);
    free(g.sources.cdf);
    free(ts);
    if (err != STEME_OK)
        workload_free(w);
    return err;
}

void
workload_free(workload *w)
{
    for (unsigned k = 0; k < w->n_arenas; k++)
        arena_free(&w->arenas[k]);
    free(w->arenas);
    free(w->recs);
    free(w->ids);
    free(w->author);
    memset(w, 0, sizeof(*w));
}
