/* SPDX-License-Identifier: MIT */
/*
 * truth.c -- TruthFinder (Yin, Han and Yu, KDD 2007): source trustworthiness and value
 * confidence by iterating between them over all keys at once, with no gold (docs/truth.md).
 *
 *   tau(w)   = -ln(1 - t(w))                          a source's vote
 *   sigma(f) = sum over claims of f of c * tau(w)     a value's support
 *   sigma*(f)= sigma(f) + rho * sum_{f' of the key, f' != f} sigma(f') * imp(f' -> f)
 *   s(f)     = 1 / (1 + exp(-gamma * sigma*(f)))      its confidence
 *   t(w)     = sum c * s(f) / sum c over w's claims   the source's trustworthiness
 *
 * Determinism: the claims are sorted into a total order (key, value, source, confidence) and
 * every sum runs in that order, so the output depends only on the set of claims. Only libm's
 * exp and log touch transcendental functions; they are correctly rounded in glibc, so the
 * doubles are the same on every machine with that libm.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "truth.h"

/* One distinct value of a key and where its claims are in the sorted table. */
typedef struct run {
    uint32_t value;
    uint32_t start; /* first claim */
    uint32_t end;   /* one past the last */
} run;

/* A key: its runs [start, end). */
typedef struct keyspan {
    uint32_t start;
    uint32_t end;
} keyspan;

typedef struct work {
    const steme__truth_params *p;
    steme__truth_claim *c; /* sorted, deduplicated */
    size_t n;
    run *runs;
    size_t n_runs;
    keyspan *keys;
    size_t n_keys;
    double *t;     /* per source */
    double *sum_s; /* per source: sum c * s */
    double *sum_c; /* per source: sum c */
    double *sigma; /* per value */
    double *s;     /* per value */
    size_t n_sources;
    size_t n_values;
} work;

void
steme__truth_params_init(steme__truth_params *p)
{
    memset(p, 0, sizeof *p);
    p->initial_trust = 0.9;
    p->dampening = 0.3;
    p->rho = 0.5;
    p->trust_cap = 1 - 1e-6;
    p->max_iterations = 20;
    p->tolerance = 1e-9;
}

static bool
params_ok(const steme__truth_params *p)
{
    return isfinite(p->initial_trust) && p->initial_trust > 0 && p->initial_trust < 1 &&
           isfinite(p->trust_cap) && p->trust_cap > 0 && p->trust_cap < 1 &&
           isfinite(p->dampening) && p->dampening > 0 && isfinite(p->rho) && p->rho >= 0 &&
           isfinite(p->tolerance) && p->tolerance >= 0;
}

/* The total order that makes the output independent of the input order; the highest
 * confidence first, so that deduplication keeps it. */
static int
by_claim(const void *a, const void *b)
{
    const steme__truth_claim *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    if (x->confidence != y->confidence)
        return x->confidence > y->confidence ? -1 : 1;
    return 0;
}

/* Sort, deduplicate, check that each value belongs to one key, and index runs and keys. */
static steme_err
prepare(work *w, const steme__truth_claim *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].source >= w->n_sources || c[i].value >= w->n_values ||
            c[i].confidence > STEME_CONFIDENCE_ONE)
            return STEME_EINVAL;
    memcpy(w->c, c, n * sizeof *c);
    qsort(w->c, n, sizeof *w->c, by_claim);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const steme__truth_claim *x = &w->c[i];
        if (m > 0 && w->c[m - 1].key == x->key && w->c[m - 1].value == x->value &&
            w->c[m - 1].source == x->source)
            continue;
        w->c[m++] = *x;
    }
    w->n = m;
    for (size_t i = 0; i < m; i++) {
        const steme__truth_claim *x = &w->c[i];
        bool new_key = i == 0 || w->c[i - 1].key != x->key;
        bool new_value = new_key || w->c[i - 1].value != x->value;
        if (new_key) {
            if (w->n_keys > 0)
                w->keys[w->n_keys - 1].end = (uint32_t)w->n_runs;
            w->keys[w->n_keys++].start = (uint32_t)w->n_runs;
        }
        if (new_value) {
            /* sigma doubles as "seen" here: a value seen before under another key. */
            if (w->sigma[x->value] != 0)
                return STEME_EINVAL;
            w->sigma[x->value] = 1;
            if (w->n_runs > 0)
                w->runs[w->n_runs - 1].end = (uint32_t)i;
            w->runs[w->n_runs++] = (run){.value = x->value, .start = (uint32_t)i};
        }
    }
    if (w->n_runs > 0) {
        w->runs[w->n_runs - 1].end = (uint32_t)m;
        w->keys[w->n_keys - 1].end = (uint32_t)w->n_runs;
    }
    memset(w->sigma, 0, w->n_values * sizeof *w->sigma);
    return STEME_OK;
}

static double
clamp_imp(double v)
{
    if (v != v)
        return 0;
    return v < -1 ? -1 : v > 1 ? 1 : v;
}

static double
vote(const steme__truth_params *p, double t)
{
    return -log(1 - (t < p->trust_cap ? t : p->trust_cap));
}

/* One round: values from sources, then sources from values. Returns the largest change of a
 * source's trustworthiness. */
static double
iterate(work *w)
{
    const steme__truth_params *p = w->p;
    for (size_t r = 0; r < w->n_runs; r++) {
        const run *u = &w->runs[r];
        double sum = 0;
        for (uint32_t i = u->start; i < u->end; i++)
            sum += (w->c[i].confidence / 1e6) * vote(p, w->t[w->c[i].source]);
        w->sigma[u->value] = sum;
    }
    for (size_t k = 0; k < w->n_keys; k++) {
        const keyspan *ks = &w->keys[k];
        for (uint32_t a = ks->start; a < ks->end; a++) {
            uint32_t f = w->runs[a].value;
            double adj = 0;
            if (p->rho > 0 && p->imp != NULL)
                for (uint32_t b = ks->start; b < ks->end; b++) {
                    uint32_t g = w->runs[b].value;
                    if (b != a)
                        adj += w->sigma[g] * clamp_imp(p->imp(g, f, p->imp_ctx));
                }
            double star = w->sigma[f] + p->rho * adj;
            w->s[f] = 1 / (1 + exp(-p->dampening * star));
        }
    }
    memset(w->sum_s, 0, w->n_sources * sizeof *w->sum_s);
    memset(w->sum_c, 0, w->n_sources * sizeof *w->sum_c);
    for (size_t i = 0; i < w->n; i++) {
        double conf = w->c[i].confidence / 1e6;
        w->sum_s[w->c[i].source] += conf * w->s[w->c[i].value];
        w->sum_c[w->c[i].source] += conf;
    }
    double delta = 0;
    for (size_t src = 0; src < w->n_sources; src++) {
        /* A source whose claims all have confidence 0 has told us nothing: it keeps t0. */
        double t = w->sum_c[src] > 0 ? w->sum_s[src] / w->sum_c[src] : p->initial_trust;
        double d = fabs(t - w->t[src]);
        delta = d > delta ? d : delta;
        w->t[src] = t;
    }
    return delta;
}

steme_err
steme__truth_run(const steme__truth_params *p, const steme__truth_claim *c, size_t n,
                 size_t n_sources, size_t n_values, steme__truth_out *out)
{
    if (p == NULL || out == NULL || (n > 0 && c == NULL) || !params_ok(p))
        return STEME_EINVAL;
    if (n > STEME__TRUTH_MAX_CLAIMS || n_sources > STEME__TRUTH_MAX_CLAIMS ||
        n_values > STEME__TRUTH_MAX_CLAIMS)
        return STEME_ELIMIT;
    if ((n_sources > 0 && (out->reliability == NULL || out->weight == NULL)) ||
        (n_values > 0 && out->confidence == NULL))
        return STEME_EINVAL;

    work w = {.p = p, .n_sources = n_sources, .n_values = n_values};
    steme_err err = STEME_ENOMEM;
    /* One block for the claims, runs and keys (each at most n), one for the doubles. */
    size_t nn = n ? n : 1;
    w.c = steme__malloc(nn * (sizeof *w.c + sizeof *w.runs + sizeof *w.keys));
    double *d = steme__calloc(3 * n_sources + 2 * n_values + 1, sizeof *d);
    if (w.c == NULL || d == NULL)
        goto out_free;
    w.runs = (run *)(w.c + nn);
    w.keys = (keyspan *)(w.runs + nn);
    w.t = d;
    w.sum_s = w.t + n_sources;
    w.sum_c = w.sum_s + n_sources;
    w.sigma = w.sum_c + n_sources;
    w.s = w.sigma + n_values;

    err = prepare(&w, c, n);
    if (err != STEME_OK)
        goto out_free;
    for (size_t i = 0; i < n_sources; i++)
        w.t[i] = p->initial_trust;
    unsigned it = 0;
    bool converged = false;
    while (it < p->max_iterations && !converged) {
        converged = iterate(&w) <= p->tolerance;
        it++;
    }

    double top = vote(p, p->trust_cap);
    for (size_t i = 0; i < n_sources; i++) {
        out->reliability[i] = w.t[i];
        out->weight[i] = vote(p, w.t[i]) / top;
    }
    /* s is 0 for values no claim uses (calloc), and for every value when no round ran. */
    memcpy(out->confidence, w.s, n_values * sizeof *w.s);
    out->iterations = it;
    out->converged = converged;
    err = STEME_OK;
out_free:
    steme__free(d);
    steme__free(w.c);
    return err;
}
