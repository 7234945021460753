/* SPDX-License-Identifier: MIT */
/*
 * bench_truth.c -- truth discovery on real data (docs/benchmarks.md, "bench/truth").
 *
 * The AbeBooks book-author data set (about 900 sellers listing the authors of 1,265 books) is
 * imported into a fresh store as signed assertions: one key and one source per seller,
 * subject "book:ISBN", predicate "author", the canonical author list as a string. The
 * candidates are read back from the store, src/engine/truth.c learns each seller's
 * reliability from agreement across all books (no gold), and every lens decides every book
 * with that reliability in its candidates. Only then does the scorer open the gold file and
 * count the books whose chosen list equals the gold list.
 *
 * Phases, in this order and no other: import -> read back -> estimate -> decide -> score.
 * The gold path is known to score() alone, and `decided` asserts the order.
 */
#include <assert.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authors.h"
#include "lens.h"
#include "steme.h"
#include "truth.h"

#define DEFAULT_DATA "../shared/data/truth/book_abebooks/book.txt"
#define PREDICATE    "author"
#define BATCH        1000
#define RECORD_CAP   2048
#define T0           1180656000000LL /* 2007-06-01: the data was crawled in 2007 */

/* One lens configuration of the table. */
typedef struct config {
    const char *name;
    steme__lens_kind kind;
    enum { REL_ONE, REL_WEIGHT, REL_TRUST } rel; /* what goes into cand.reliability */
    steme__lens_kind chain[3];
    size_t n_chain;
    bool top_share; /* skeptic: score the value with the largest share */
} config;

static const config configs[] = {
    {"recency", STEME__LENS_RECENCY, REL_ONE, {0}, 0, false},
    {"consensus (majority vote)", STEME__LENS_CONSENSUS, REL_ONE, {0}, 0, false},
    {"vote_consensus", STEME__LENS_VOTE_CONSENSUS, REL_ONE, {0}, 0, false},
    {"authority", STEME__LENS_AUTHORITY, REL_ONE, {0}, 0, false},
    {"trust_authority, reliability 1", STEME__LENS_TRUST_AUTHORITY, REL_ONE, {0}, 0, false},
    {"trust_authority, reliability t(w)", STEME__LENS_TRUST_AUTHORITY, REL_TRUST, {0}, 0, false},
    {"trust_authority, learned weight", STEME__LENS_TRUST_AUTHORITY, REL_WEIGHT, {0}, 0, false},
    {"skeptic (top share)", STEME__LENS_SKEPTIC, REL_WEIGHT, {0}, 0, true},
    {"layered (default chain)", STEME__LENS_LAYERED, REL_WEIGHT, {0}, 0, false},
    {"layered (trust_authority > consensus > recency)",
     STEME__LENS_LAYERED,
     REL_WEIGHT,
     {STEME__LENS_TRUST_AUTHORITY, STEME__LENS_CONSENSUS, STEME__LENS_RECENCY},
     3,
     false},
};

#define N_CONFIGS (sizeof configs / sizeof *configs)
#define ROW_TF    N_CONFIGS /* the estimator's own choice, with implication */
#define N_ROWS    (N_CONFIGS + 1)

typedef struct seller {
    char *name; /* the source is "abebooks:" + name */
    steme_keypair *kp;
    steme_pubkey pk;
    steme_tier tier; /* read back from the store */
    uint32_t weight;
    double trust;
} seller;

typedef struct book {
    char *isbn;
    size_t start, end; /* its candidates in bench.cands */
} book;

typedef struct bench {
    const char *data;
    char dir[64];
    steme_db *db;
    seller *sellers;
    size_t n_sellers;
    book *books;
    size_t n_books;
    steme__cand *cands; /* every book's candidates, read back from the store */
    uint32_t *cand_seller;
    uint32_t *cand_value;
    size_t n_cands, cap_cands;
    char **values; /* canonical author list of each value index */
    size_t n_values;
    steme__truth_out truth;
    const char **picks[N_ROWS]; /* per book: the chosen list, NULL for none */
    bool decided;               /* every pick is final: only now may the gold be read */
} bench;

static void
die(const char *what, int err)
{
    fprintf(stderr, "bench_truth: %s: %s\n", what, err ? steme_strerror(err) : strerror(errno));
    exit(1);
}

static void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL)
        die("calloc", 0);
    return p;
}

static int
by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
find(char **sorted, size_t n, const char *s)
{
    char **hit = bsearch(&s, sorted, n, sizeof *sorted, by_str);
    return hit ? (size_t)(hit - sorted) : SIZE_MAX;
}

/* ---------------------------------------------------------------------------------------------
 * Import: parse, deduplicate exact lines, one key per seller, sign, ingest.
 */

typedef struct line {
    char *text;
    size_t index;
} line;

static int
by_line(const void *a, const void *b)
{
    const line *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int
by_index(const void *a, const void *b)
{
    const line *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

static char *
slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path, 0);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    rewind(f);
    char *buf = xcalloc((size_t)len + 1, 1);
    if (fread(buf, 1, (size_t)len, f) != (size_t)len)
        die(path, 0);
    fclose(f);
    *ret_len = (size_t)len;
    return buf;
}

/* Split into lines (CRLF or LF), drop exact duplicates, keep file order. */
static line *
read_lines(const char *path, size_t *ret_n, size_t *ret_dups)
{
    size_t len, n = 0, cap = 1024;
    char *buf = slurp(path, &len);
    line *v = xcalloc(cap, sizeof *v);
    for (char *p = buf, *end = buf + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r')
            e[-1] = '\0';
        *e = '\0';
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        if (v == NULL)
            die("realloc", 0);
        v[n] = (line){.text = p, .index = n};
        n++;
        p = nl ? nl + 1 : end;
    }
    qsort(v, n, sizeof *v, by_line);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(v[m - 1].text, v[i].text) != 0)
            v[m++] = v[i];
    qsort(v, m, sizeof *v, by_index);
    *ret_n = m;
    *ret_dups = n - m;
    return v;
}

static void
make_sellers(bench *b, char **names, size_t n)
{
    qsort(names, n, sizeof *names, by_str);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || strcmp(names[m - 1], names[i]) != 0)
            names[m++] = names[i];
    b->sellers = xcalloc(m, sizeof *b->sellers);
    b->n_sellers = m;
    for (size_t i = 0; i < m; i++) {
        seller *s = &b->sellers[i];
        steme_id seed; /* a deterministic key per seller: BLAKE2b of its name */
        s->name = names[i];
        steme_record_id((const uint8_t *)names[i], strlen(names[i]), &seed);
        int err = steme_keypair_from_seed(seed.b, &s->kp);
        if (err)
            die("keypair", err);
        steme_keypair_public(s->kp, &s->pk);
    }
}

typedef struct batch {
    uint8_t bytes[BATCH][RECORD_CAP];
    steme_signed recs[BATCH];
    steme_ingest_result res[BATCH];
    size_t n;
} batch;

static void
flush(bench *b, batch *q)
{
    if (q->n == 0)
        return;
    int err = steme_db_ingest(b->db, q->recs, q->n, q->res, 0);
    if (err)
        die("ingest", err);
    for (size_t i = 0; i < q->n; i++)
        if (q->res[i].err)
            die("ingest (record refused)", q->res[i].err);
    q->n = 0;
}

static size_t
import(bench *b, size_t *ret_lines, size_t *ret_dups, size_t *ret_skipped)
{
    size_t n, imported = 0, skipped = 0;
    line *lines = read_lines(b->data, &n, ret_dups);
    char **names = xcalloc(n, sizeof *names);
    char(*norm)[AUTHORS_MAX] = xcalloc(n, AUTHORS_MAX);
    char **field = xcalloc(n * 4, sizeof *field);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        char *f[4], *p = lines[i].text;
        size_t k = 0;
        for (; k < 4 && p; k++) {
            f[k] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = '\0';
        }
        /* Trim the seller: the source identifier may not start or end with a space. */
        while (k == 4 && *f[0] == ' ')
            f[0]++;
        for (size_t l = k == 4 ? strlen(f[0]) : 0; l > 0 && f[0][l - 1] == ' ';)
            f[0][--l] = '\0';
        if (k < 4 || *f[0] == '\0' || *f[1] == '\0' || strcmp(f[3], "Not Available") == 0 ||
            authors_norm(f[3], strlen(f[3]), norm[kept]) == 0) {
            skipped++;
            continue;
        }
        field[2 * kept] = f[0];
        field[2 * kept + 1] = f[1];
        names[kept] = f[0];
        lines[kept].index = lines[i].index;
        kept++;
    }
    char **sorted = xcalloc(kept, sizeof *sorted);
    memcpy(sorted, names, kept * sizeof *names);
    make_sellers(b, sorted, kept);

    batch *q = xcalloc(1, sizeof *q);
    char subject[STEME_MAX_SUBJECT], source[STEME_MAX_SOURCE];
    for (size_t i = 0; i < kept; i++) {
        const seller *s = &b->sellers[find((char **)sorted, b->n_sellers, field[2 * i])];
        snprintf(subject, sizeof subject, "book:%s", field[2 * i + 1]);
        snprintf(source, sizeof source, "abebooks:%s", s->name);
        steme_record rec = {.kind = STEME_RECORD_ASSERTION};
        steme_assertion *a = &rec.assertion;
        a->agent = s->pk;
        a->asserted_at = T0 + (int64_t)lines[i].index; /* file order: the data has no times */
        a->subject = steme_str_c(subject);
        a->predicate = steme_str_c(PREDICATE);
        a->object = (steme_value){.type = STEME_VALUE_STRING, .str = steme_str_c(norm[i])};
        a->confidence = STEME_CONFIDENCE_ONE;
        a->source = steme_str_c(source);
        steme_signed *r = &q->recs[q->n];
        steme_id id;
        steme_errinfo ei = {0};
        int err =
            steme_record_sign(&rec, s->kp, q->bytes[q->n], RECORD_CAP, &r->len, &id, &r->sig, &ei);
        if (err) {
            fprintf(stderr, "bench_truth: line %zu: %s (%s: %s)\n", lines[i].index + 1,
                    steme_strerror(err), ei.field ? ei.field : "", ei.rule ? ei.rule : "");
            exit(1);
        }
        r->bytes = q->bytes[q->n];
        if (++q->n == BATCH)
            flush(b, q);
        imported++;
    }
    flush(b, q);
    /* Books, sorted: the keys the read-back walks. */
    char **isbns = xcalloc(kept, sizeof *isbns);
    for (size_t i = 0; i < kept; i++)
        isbns[i] = field[2 * i + 1];
    qsort(isbns, kept, sizeof *isbns, by_str);
    b->books = xcalloc(kept, sizeof *b->books);
    for (size_t i = 0; i < kept; i++)
        if (b->n_books == 0 || strcmp(b->books[b->n_books - 1].isbn, isbns[i]) != 0)
            b->books[b->n_books++].isbn = strdup(isbns[i]);
    free(isbns);
    free(q);
    free(field);
    free(norm);
    free(names);
    free(sorted);
    *ret_lines = n;
    *ret_skipped = skipped;
    free(lines);
    return imported;
}

/* ---------------------------------------------------------------------------------------------
 * Read back: every book's candidates from the store, as the query layer would build them.
 */

typedef struct reader {
    bench *b;
    char **seller_sources; /* "abebooks:" + name, sorted like the sellers */
} reader;

static int
on_entry(const steme_entry *e, void *ctx)
{
    reader *r = ctx;
    bench *b = r->b;
    const steme_assertion *a = &e->record.assertion;
    if (e->record.kind != STEME_RECORD_ASSERTION || a->predicate.len != strlen(PREDICATE) ||
        memcmp(a->predicate.ptr, PREDICATE, a->predicate.len) != 0)
        return 0;
    char *src = strndup(a->source.ptr, a->source.len);
    size_t si = find(r->seller_sources, b->n_sellers, src);
    if (src == NULL || si == SIZE_MAX)
        die("read back: unknown source", STEME_ECORRUPT);
    if (b->n_cands == b->cap_cands) {
        b->cap_cands = b->cap_cands ? 2 * b->cap_cands : 4096;
        b->cands = realloc(b->cands, b->cap_cands * sizeof *b->cands);
        b->cand_seller = realloc(b->cand_seller, b->cap_cands * sizeof *b->cand_seller);
        b->cand_value = realloc(b->cand_value, b->cap_cands * sizeof *b->cand_value);
        if (b->cands == NULL || b->cand_seller == NULL || b->cand_value == NULL)
            die("realloc", 0);
    }
    const seller *s = &b->sellers[si];
    steme__cand *c = &b->cands[b->n_cands];
    *c = (steme__cand){
        .seq = e->seq,
        .id = e->id,
        .agent = a->agent,
        .source = {src, a->source.len},
        .tier = s->tier,
        .weight = s->weight,
        .reliability = 1,
        .value = {.type = STEME_VALUE_STRING,
                  .str = {strndup(a->object.str.ptr, a->object.str.len), a->object.str.len}},
        .confidence = a->confidence,
        .asserted_at = a->asserted_at,
        .recorded_at = e->recorded_at,
        .trust = s->trust,
    };
    if (c->value.str.ptr == NULL)
        die("strndup", 0);
    b->cand_seller[b->n_cands++] = (uint32_t)si;
    return 0;
}

static void
read_back(bench *b)
{
    reader r = {.b = b, .seller_sources = xcalloc(b->n_sellers, sizeof(char *))};
    for (size_t i = 0; i < b->n_sellers; i++) {
        seller *s = &b->sellers[i];
        char buf[STEME_MAX_SOURCE + 16];
        snprintf(buf, sizeof buf, "abebooks:%s", s->name);
        r.seller_sources[i] = strdup(buf);
        /* The source's tier and weight and the agent's trust, as the store has them. */
        steme_source_info si;
        steme_agent_info ai;
        int err = steme_db_source(b->db, steme_str_c(buf), &si);
        if (err == STEME_OK)
            err = steme_db_agent(b->db, &s->pk, 0, &ai);
        if (err)
            die("source or agent", err);
        s->tier = si.tier;
        s->weight = si.weight;
        s->trust = ai.trust;
    }
    /* "abebooks:" + a name sorts like the name: the prefix is common. */
    for (size_t i = 0; i < b->n_books; i++) {
        char subject[STEME_MAX_SUBJECT];
        snprintf(subject, sizeof subject, "book:%s", b->books[i].isbn);
        steme_list_options o = {.index = STEME_INDEX_SUBJECT, .subject = steme_str_c(subject)};
        b->books[i].start = b->n_cands;
        int err = steme_db_list(b->db, &o, on_entry, &r);
        if (err)
            die("list", err);
        b->books[i].end = b->n_cands;
    }
    for (size_t i = 0; i < b->n_sellers; i++)
        free(r.seller_sources[i]);
    free(r.seller_sources);
}

/* ---------------------------------------------------------------------------------------------
 * Estimate: the claim table from the candidates, TruthFinder over all books at once.
 */

static double
imp(uint32_t from, uint32_t to, void *ctx)
{
    const bench *b = ctx;
    return authors_imp(b->values[from], b->values[to]);
}

typedef struct vref {
    const char *s;
    size_t cand;
} vref;

static int
by_vref(const void *a, const void *b)
{
    const vref *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->cand > y->cand) - (x->cand < y->cand);
}

static void
estimate(bench *b)
{
    assert(!b->decided);
    /* Value indices: equal strings of one book share one, as the lenses group them. */
    b->values = xcalloc(b->n_cands, sizeof *b->values);
    vref *v = xcalloc(b->n_cands, sizeof *v);
    for (size_t k = 0; k < b->n_books; k++) {
        const book *bk = &b->books[k];
        size_t m = bk->end - bk->start;
        for (size_t i = 0; i < m; i++)
            v[i] = (vref){b->cands[bk->start + i].value.str.ptr, bk->start + i};
        qsort(v, m, sizeof *v, by_vref);
        for (size_t i = 0; i < m; i++) {
            if (i == 0 || strcmp(v[i].s, v[i - 1].s) != 0)
                b->values[b->n_values++] = (char *)v[i].s;
            b->cand_value[v[i].cand] = (uint32_t)(b->n_values - 1);
        }
    }
    free(v);
    steme__truth_claim *claims = xcalloc(b->n_cands, sizeof *claims);
    size_t n = 0;
    for (size_t k = 0; k < b->n_books; k++)
        for (size_t i = b->books[k].start; i < b->books[k].end; i++)
            claims[n++] = (steme__truth_claim){.key = (uint32_t)k,
                                               .source = b->cand_seller[i],
                                               .value = b->cand_value[i],
                                               .confidence = b->cands[i].confidence};
    steme__truth_params p;
    steme__truth_params_init(&p);
    p.imp = imp;
    p.imp_ctx = b;
    b->truth.reliability = xcalloc(b->n_sellers, sizeof(double));
    b->truth.weight = xcalloc(b->n_sellers, sizeof(double));
    b->truth.confidence = xcalloc(b->n_values, sizeof(double));
    int err = steme__truth_run(&p, claims, n, b->n_sellers, b->n_values, &b->truth);
    if (err)
        die("truth", err);
    free(claims);
}

/* ---------------------------------------------------------------------------------------------
 * Decide: every lens on every book; the estimator's own choice as one more row.
 */

static void
decide(bench *b)
{
    assert(!b->decided);
    steme__cand *c = xcalloc(STEME__LENS_MAX_CANDIDATES, sizeof *c);
    for (size_t row = 0; row < N_ROWS; row++)
        b->picks[row] = xcalloc(b->n_books, sizeof(char *));
    for (size_t k = 0; k < b->n_books; k++) {
        const book *bk = &b->books[k];
        size_t m = bk->end - bk->start;
        if (m > STEME__LENS_MAX_CANDIDATES)
            die("too many candidates for one book", STEME_ELIMIT);
        for (size_t row = 0; row < N_CONFIGS; row++) {
            const config *cf = &configs[row];
            for (size_t i = 0; i < m; i++) {
                c[i] = b->cands[bk->start + i];
                uint32_t s = b->cand_seller[bk->start + i];
                c[i].reliability = cf->rel == REL_WEIGHT  ? b->truth.weight[s]
                                   : cf->rel == REL_TRUST ? b->truth.reliability[s]
                                                          : 1;
            }
            steme__lens_params p;
            steme__lens_params_init(&p, cf->kind);
            if (cf->n_chain) {
                memcpy(p.chain, cf->chain, cf->n_chain * sizeof *cf->chain);
                p.n_chain = cf->n_chain;
            }
            steme__lens_result r;
            int err = steme__lens_run(&p, c, m, &r);
            if (err)
                die("lens", err);
            if (r.has_winner)
                b->picks[row][k] = r.groups[r.winner].value.str.ptr;
            else if (cf->top_share && r.n_groups > 0)
                b->picks[row][k] = r.groups[0].value.str.ptr;
            steme__lens_result_free(&r);
        }
        /* TruthFinder's own answer: the value with the highest confidence s(f) after
         * implication; a tie at the top is no answer. */
        double best = -1;
        const char *pick = NULL;
        for (size_t i = bk->start; i < bk->end; i++) {
            double s = b->truth.confidence[b->cand_value[i]];
            const char *v = b->values[b->cand_value[i]];
            if (s > best)
                best = s, pick = v;
            else if (s == best && pick != v)
                pick = NULL;
        }
        b->picks[ROW_TF][k] = pick;
    }
    free(c);
    b->decided = true;
}

/* ---------------------------------------------------------------------------------------------
 * Score: the gold file is opened here and nowhere else, after every pick is final.
 */

static const struct {
    const char *name;
    double value;
} published[] = {
    {"voting (Yin et al. 2007; Dong et al. 2009 NAIVE)", 0.71},
    {"TruthFinder (Yin et al. 2007)", 0.85},
    {"ACCU (Dong et al. 2009)", 0.87},
};

static book *
find_book(bench *b, const char *isbn)
{
    size_t lo = 0, hi = b->n_books;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->books[mid].isbn, isbn);
        if (c == 0)
            return &b->books[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void
score(bench *b)
{
    assert(b->decided);
    char gold_path[4096];
    const char *slash = strrchr(b->data, '/');
    snprintf(gold_path, sizeof gold_path, "%.*sbook_golden.txt",
             slash ? (int)(slash - b->data + 1) : 0, b->data);
    size_t len;
    char *buf = slurp(gold_path, &len);
    size_t correct[N_ROWS] = {0}, none[N_ROWS] = {0}, n_gold = 0, missing = 0;
    char norm[AUTHORS_MAX];
    for (char *p = buf, *save = NULL; (p = strtok_r(p, "\r\n", &save)) != NULL; p = NULL) {
        char *tab = strchr(p, '\t');
        if (tab == NULL)
            continue;
        *tab = '\0';
        n_gold++;
        const book *bk = find_book(b, p);
        if (bk == NULL) {
            missing++;
            continue;
        }
        authors_norm(tab + 1, strlen(tab + 1), norm);
        for (size_t row = 0; row < N_ROWS; row++) {
            const char *pick = b->picks[row][bk - b->books];
            correct[row] += pick != NULL && strcmp(pick, norm) == 0;
            none[row] += pick == NULL;
        }
    }
    free(buf);
    printf("\n%-50s %9s %9s %8s\n", "lens", "correct", "accuracy", "no pick");
    for (size_t row = 0; row < N_ROWS; row++)
        printf("%-50s %5zu/%-3zu %9.2f %8zu\n",
               row == ROW_TF ? "truthfinder (estimator's own choice, implication)"
                             : configs[row].name,
               correct[row], n_gold, n_gold ? (double)correct[row] / (double)n_gold : 0, none[row]);
    printf("\npublished on the same data (as printed in the papers)\n");
    for (size_t i = 0; i < sizeof published / sizeof *published; i++)
        printf("%-50s %9s %9.2f\n", published[i].name, "", published[i].value);
    if (missing)
        printf("\n%zu gold books have no candidate in the store (counted wrong)\n", missing);
}

/* ---------------------------------------------------------------------------------------------
 */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr,
                "usage: bench_truth [book.txt]\n"
                "\n"
                "Imports the AbeBooks book-author data (default %s) into a fresh\n"
                "store in /tmp, learns source reliability without gold (src/engine/truth.c),\n"
                "runs every lens on every book and scores each against book_golden.txt from\n"
                "the same directory. docs/benchmarks.md, \"bench/truth\".\n",
                DEFAULT_DATA);
        return 2;
    }
    bench b = {.data = argc == 2 ? argv[1] : DEFAULT_DATA};
    snprintf(b.dir, sizeof b.dir, "/tmp/bench-truth-XXXXXX");
    if (mkdtemp(b.dir) == NULL)
        die("mkdtemp", 0);
    steme_db_options o;
    steme_db_options_init(&o);
    o.map_size = 256u << 20;
    int err = steme_db_open(b.dir, &o, &b.db);
    if (err)
        die("open", err);

    double t0 = now_s();
    size_t lines, dups, skipped;
    size_t imported = import(&b, &lines, &dups, &skipped);
    double t1 = now_s();
    read_back(&b);
    double t2 = now_s();
    estimate(&b);
    double t3 = now_s();
    decide(&b);
    double t4 = now_s();
    printf("data      %s\n", b.data);
    printf("import    %zu distinct lines (%zu exact duplicates dropped), %zu without an author "
           "list skipped, %zu assertions by %zu sellers on %zu books (%.1f s)\n",
           lines, dups, skipped, imported, b.n_sellers, b.n_books, t1 - t0);
    printf("read back %zu candidates, %zu distinct (book, author list) values (%.2f s)\n",
           b.n_cands, b.n_values, t2 - t1);
    size_t low = 0;
    for (size_t i = 0; i < b.n_sellers; i++)
        low += b.truth.reliability[i] < 0.5;
    printf("estimate  TruthFinder: %u iterations (%s), %zu of %zu sellers below t = 0.5 "
           "(%.2f s)\n",
           b.truth.iterations, b.truth.converged ? "converged" : "iteration cap", low, b.n_sellers,
           t3 - t2);
    printf("decide    %zu lenses x %zu books (%.2f s)\n", N_CONFIGS, b.n_books, t4 - t3);
    score(&b);

    steme_db_close(b.db);
    nftw(b.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
